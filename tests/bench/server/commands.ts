/*
 * What a benchmark may ask of its server process over the IPC channel, beside the Socket.io traffic
 * it measures. Work that must run where the database lives (building a large plan through the
 * service, timing the service without a socket in between) is asked for here.
 */

/** The size of the large care plan the server builds for an invented second patient. */
export interface LargePlanSize {
  goals: number;
  actions: number;
  /** Operations applied in all, goals and actions included: the plan's history and version. */
  history: number;
}

export interface BuiltPlan {
  planId: string;
  version: number;
  /** Snapshots kept of the plan, one every SNAPSHOT_EVERY versions. */
  snapshots: number;
  /** Audit events recorded for the plan's patient while it was built. */
  auditEvents: number;
  buildMs: number;
  /** Each `CarePlanService.apply` in order, as the plan grew. */
  applyMs: number[];
}

export interface BenchCommands {
  buildPlan: { args: LargePlanSize; reply: BuiltPlan };
  /**
   * `CarePlanService.open` for each plan in turn, `repetitions` rounds, as the benchmark's first
   * synthetic person; one list of times per plan.
   */
  timeOpen: { args: { planIds: string[]; repetitions: number }; reply: { ms: number[][] } };
}

export type BenchCommandName = keyof BenchCommands;

export interface BenchCommandMessage<K extends BenchCommandName = BenchCommandName> {
  id: number;
  kind: K;
  args: BenchCommands[K]['args'];
}

export type BenchReplyMessage =
  { id: number; ok: true; data: unknown } | { id: number; ok: false; error: string };

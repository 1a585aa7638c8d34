import type {
  ActionStatus,
  CarePlan,
  GoalAchievementStatus,
  GoalPriority,
  IndividualPlanPart,
  NoteKind,
  OpenedPlan,
  PlanAccess,
  PlanDirectory,
  PlanFacts,
  PlanOperation,
  PlanOperationApplied,
  PlanSection,
  PlanStatus,
  Responsible,
  ServerToClientEvents,
} from '@teamrom/signaling/protocol';
import { missingIndividualPlanParts, reduce } from '@teamrom/signaling/protocol';

import { RequestError, request, uuid } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import type { TeamromSocket } from '../meeting/MeetingSession.ts';
import { rebasedVersion } from './rebase.ts';

/** Wait before sending an unanswered change again on a connection that is still up. */
const RETRY_DELAY_MS = 2000;

/** A change sent to the server and not yet acknowledged. */
export interface PendingChange {
  idempotencyKey: string;
  baseVersion: number;
  operation: PlanOperation;
}

/** A change that was not saved, and why: shown to its author until dismissed. */
export type PlanNotice =
  | { id: string; kind: 'conflict'; operation: PlanOperation; field: string; current: unknown }
  | {
      id: string;
      kind: 'incomplete';
      operation: PlanOperation;
      missingParts: IndividualPlanPart[];
    }
  | { id: string; kind: 'refused'; operation: PlanOperation; code: string };

/**
 * Why the server took the plan away: `access_withdrawn`, a consent was withdrawn or the reader left
 * the care team; `expired`, the reader's access ran out and could not be renewed.
 */
export type PlanClosedReason = 'access_withdrawn' | 'expired';

/** Told of every operation applied to the plan held, in version order, with the plan after it. */
export type AppliedListener = (applied: PlanOperationApplied, plan: CarePlan) => void;

export interface CarePlanState {
  /** `closed`: the server took the plan away from this reader (consent withdrawn, left the team). */
  status: 'loading' | 'ready' | 'unavailable' | 'closed';
  /** Set when `status` is `closed`. */
  closedReason: PlanClosedReason | null;
  /** The plan as the server confirmed it; changes still pending are not in it. */
  plan: CarePlan | null;
  access: PlanAccess;
  directory: PlanDirectory;
  /** The parts an individual plan still lacks, kept up to date as changes arrive. */
  missingParts: IndividualPlanPart[];
  pending: PendingChange[];
  notices: PlanNotice[];
}

export type GoalChanges = Extract<PlanOperation, { type: 'goal.update' }>['changes'];
export type ActionChanges = Extract<PlanOperation, { type: 'action.update' }>['changes'];

const NO_ACCESS: PlanAccess = {
  canEdit: false,
  canEditOwnWords: false,
  canRecordConsent: false,
  canSeeAccessLog: false,
};

/**
 * One care plan as this client sees it. Operations broadcast by the server are applied in version
 * order with the shared reducer; a gap in the versions opens the plan afresh. Changes are sent
 * with the plan version they were based on and an idempotency key; those not yet acknowledged are
 * sent again, with the same key, after the connection comes back, so that every change is either
 * applied exactly once or shown to its author as refused. A change is sent only once the one
 * before it is acknowledged, and a change made on top of the author's own earlier changes is sent
 * as based on them, so that it never conflicts with its own author.
 */
export class CarePlanStore {
  readonly state = new Store<CarePlanState>({
    status: 'loading',
    closedReason: null,
    plan: null,
    access: NO_ACCESS,
    directory: { persons: {}, organisations: {} },
    missingParts: [],
    pending: [],
    notices: [],
  });
  readonly #socket: TeamromSocket;
  readonly #planId: string;
  readonly #meetingId: string | null;
  /** Operations received ahead of the version held, waiting for the ones in between. */
  #ahead: PlanOperationApplied[] = [];
  /**
   * The regulation's parts that live outside the plan, known from the last opening; the server
   * names missing parts only of an individual plan, so for any other plan they are not known.
   */
  #facts: PlanFacts | null = null;
  #opening: Promise<void> | null = null;
  #openAgain = false;
  #sending = false;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #retryOpen = false;
  #isDisposed = false;
  /** The versions this client's own changes were acknowledged with. */
  readonly #ownVersions = new Set<number>();
  /** Who this client acts as, learnt from the first acknowledgement of its own change. */
  #selfId: string | null = null;
  readonly #appliedListeners = new Set<AppliedListener>();

  constructor(socket: TeamromSocket, planId: string, meetingId: string | null = null) {
    this.#socket = socket;
    this.#planId = planId;
    this.#meetingId = meetingId;
    socket.on('connect', this.#onConnect);
    socket.on('careplan:changed', this.#onChanged);
    socket.on('careplan:closed', this.#onClosed);
    socket.on('consent:changed', this.#onConsentChanged);
    if (socket.connected) void this.#open();
  }

  get planId(): string {
    return this.#planId;
  }

  get meetingId(): string | null {
    return this.#meetingId;
  }

  /** Stops listening and tells the server this client no longer has the plan open. */
  dispose(): void {
    if (this.#isDisposed) return;

    this.#isDisposed = true;
    this.#stopListening();
    if (this.state.get().status === 'ready' && this.#socket.connected) {
      request(this.#socket, 'careplan:close', { planId: this.#planId }).catch(() => {});
    }
  }

  setStatus(status: PlanStatus, baseVersion?: number): void {
    this.#enqueue({ type: 'plan.setStatus', status }, baseVersion);
  }

  setIndividualPlan(isIndividualPlan: boolean): void {
    this.#enqueue({ type: 'plan.setIndividualPlan', isIndividualPlan });
  }

  setDates(
    dates: { periodStart?: string | null; periodEnd?: string | null; nextReview?: string | null },
    baseVersion?: number,
  ): void {
    this.#enqueue({ type: 'plan.setDates', ...dates }, baseVersion);
  }

  /** Pass the version the author started editing from, so that a change made since is not lost. */
  setSection(section: PlanSection, text: string, baseVersion?: number): void {
    this.#enqueue({ type: 'section.set', section, text }, baseVersion);
  }

  addGoal(input: { description: string; priority: GoalPriority; targetDate: string | null }) {
    this.#enqueue({ type: 'goal.add', goalId: uuid(), ...input });
  }

  updateGoal(goalId: string, changes: GoalChanges, baseVersion?: number): void {
    this.#enqueue({ type: 'goal.update', goalId, changes }, baseVersion);
  }

  evaluateGoal(
    goalId: string,
    input: { date: string; text: string; achievementStatus: GoalAchievementStatus },
  ): void {
    this.#enqueue({ type: 'goal.evaluate', evaluationId: uuid(), goalId, ...input });
  }

  addAction(input: {
    description: string;
    responsible: Responsible;
    goalId: string | null;
    dueDate: string | null;
  }): void {
    this.#enqueue({ type: 'action.add', actionId: uuid(), ...input });
  }

  updateAction(actionId: string, changes: ActionChanges, baseVersion?: number): void {
    this.#enqueue({ type: 'action.update', actionId, changes }, baseVersion);
  }

  setActionStatus(actionId: string, status: ActionStatus): void {
    this.#enqueue({ type: 'action.setStatus', actionId, status });
  }

  /** A note or decision; written during a meeting, it names the meeting. */
  addNote(kind: NoteKind, text: string): void {
    this.#enqueue({ type: 'note.add', noteId: uuid(), kind, text, meetingId: this.#meetingId });
  }

  dismissNotice(id: string): void {
    this.state.update((s) => ({ ...s, notices: s.notices.filter((n) => n.id !== id) }));
  }

  /**
   * Calls `listener` with each operation applied to the plan from now on, one by one. Versions
   * that came with a fresh opening of the plan (after a gap) are not told one by one.
   */
  onApplied(listener: AppliedListener): () => void {
    this.#appliedListeners.add(listener);

    return () => this.#appliedListeners.delete(listener);
  }

  /**
   * Whether this client, or its person on another device, made an applied change. The server
   * broadcasts a change before it acknowledges it to its author, so the answer is sure only once
   * the acknowledgement is in.
   */
  isOwnChange(applied: PlanOperationApplied): boolean {
    return this.#ownVersions.has(applied.version) || applied.authorId === this.#selfId;
  }

  #stopListening(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    this.#socket.off('connect', this.#onConnect);
    this.#socket.off('careplan:changed', this.#onChanged);
    this.#socket.off('careplan:closed', this.#onClosed);
    this.#socket.off('consent:changed', this.#onConsentChanged);
    this.#appliedListeners.clear();
  }

  #onConnect = () => {
    void this.#open();
  };

  #onChanged: ServerToClientEvents['careplan:changed'] = (event) => {
    if (event.planId !== this.#planId) return;

    this.#receive(event);
  };

  // Typed with every reason this client knows, whichever the server's contract names yet.
  #onClosed = ({ planId, reason }: { planId: string; reason: PlanClosedReason }) => {
    if (planId !== this.#planId) return;

    const closedReason: PlanClosedReason = reason === 'expired' ? 'expired' : 'access_withdrawn';

    this.#stopListening();
    // Nothing of the plan stays on screen; what was not saved yet is shown as refused.
    this.state.update((s) => ({
      status: 'closed',
      closedReason,
      plan: null,
      access: NO_ACCESS,
      directory: { persons: {}, organisations: {} },
      missingParts: [],
      pending: [],
      notices: [...s.notices, ...s.pending.map((p) => refusal(p.operation, closedReason))],
    }));
  };

  /** Consents decide parts of an individual plan and who may do what: open the plan afresh. */
  #onConsentChanged: ServerToClientEvents['consent:changed'] = ({ patientId }) => {
    if (this.state.get().plan?.patientId === patientId) void this.#open();
  };

  /**
   * Takes one applied operation, from a broadcast or from the acknowledgement of this client's
   * own change. One already held is ignored; one ahead of the next waits for those in between,
   * and the plan is opened afresh to fetch them.
   */
  #receive(applied: PlanOperationApplied): void {
    const { plan, status } = this.state.get();

    if (status === 'closed') return;
    if (plan && applied.version <= plan.version) return;

    this.#ahead.push(applied);
    if (!plan) return;

    this.#catchUp();
    // An opening under way looks again at what is still ahead once the server has answered.
    if (this.#ahead.length > 0 && !this.#opening) void this.#open();
  }

  /** Applies the operations waiting in `#ahead` that follow the version held, in order. */
  #catchUp(): void {
    let plan = this.state.get().plan;

    if (!plan) return;

    const start = plan;
    const steps: [PlanOperationApplied, CarePlan][] = [];

    this.#ahead.sort((a, b) => a.version - b.version);
    for (const applied of this.#ahead) {
      if (applied.version !== plan.version + 1) continue;

      plan = reduce(plan, applied.operation, applied);
      steps.push([applied, plan]);
    }

    const held = plan.version;

    this.#ahead = this.#ahead.filter((a) => a.version > held);
    if (plan === start) return;

    this.state.update({ plan, missingParts: this.#missing(plan) });
    for (const [applied, after] of steps) {
      for (const listener of this.#appliedListeners) listener(applied, after);
    }
    // Just made an individual plan: what it lacks outside the plan comes with a fresh opening.
    if (plan.isIndividualPlan && !this.#facts && !this.#opening) void this.#open();
    // Changes held back until the plan had caught up with this client's own can go now.
    void this.#flush();
  }

  /** Opens the plan (again); concurrent calls share one request and repeat it once if asked. */
  #open(): Promise<void> {
    if (this.#opening) {
      this.#openAgain = true;

      return this.#opening;
    }

    this.#opening = this.#fetch().finally(() => {
      this.#opening = null;
      if (this.#openAgain && !this.#isDisposed && this.state.get().status !== 'closed') {
        this.#openAgain = false;
        void this.#open();
      }
    });

    return this.#opening;
  }

  async #fetch(): Promise<void> {
    let opened: OpenedPlan;

    try {
      opened = await request(this.#socket, 'careplan:open', { planId: this.#planId });
    } catch (error) {
      if (error instanceof RequestError && error.code === 'timeout') {
        // Lost with the connection: opened again on reconnect. Unanswered on a live one: retry.
        if (this.#socket.connected) this.#scheduleRetry('open');

        return;
      }
      if (this.state.get().status === 'closed') return;

      const code = error instanceof RequestError ? error.code : 'internal';

      if (code === 'internal' && this.state.get().plan) {
        // A fault on the server's side: keep showing the plan held, and ask again later.
        this.#scheduleRetry('open');
      } else {
        // Refused: whatever of the plan this reader held is no longer theirs to see.
        this.state.update({ status: 'unavailable', plan: null, access: NO_ACCESS });
      }

      return;
    }

    if (this.#isDisposed || this.state.get().status === 'closed') return;

    const held = this.state.get().plan;
    const plan = held && held.version > opened.plan.version ? held : opened.plan;

    this.#facts = opened.plan.isIndividualPlan
      ? {
          hasCoordinator: !opened.missingParts.includes('coordinator'),
          hasPlanConsent: !opened.missingParts.includes('consent'),
        }
      : null;
    this.state.update({
      status: 'ready',
      plan,
      access: opened.access,
      directory: opened.directory,
      missingParts: plan === opened.plan ? opened.missingParts : this.#missing(plan),
    });
    this.#catchUp();
    // Still a gap (what came in while opening was ahead of what the server sent back), or an
    // individual plan whose missing parts the server has not told yet.
    if (this.#ahead.length > 0 || (this.state.get().plan?.isIndividualPlan && !this.#facts)) {
      this.#openAgain = true;
    }
    void this.#flush();
  }

  /** What an individual plan lacks; nothing for another plan, and nothing known yet without facts. */
  #missing(plan: CarePlan): IndividualPlanPart[] {
    if (!plan.isIndividualPlan) return [];

    return this.#facts
      ? missingIndividualPlanParts(plan, this.#facts)
      : this.state.get().missingParts;
  }

  #enqueue(operation: PlanOperation, baseVersion?: number): void {
    const { plan, status } = this.state.get();

    if (status === 'closed' || this.#isDisposed) return;

    const change: PendingChange = {
      idempotencyKey: uuid(),
      baseVersion: baseVersion ?? plan?.version ?? 0,
      operation,
    };

    this.state.update((s) => ({ ...s, pending: [...s.pending, change] }));
    void this.#flush();
  }

  /** Sends pending changes in order, one at a time, until none is left or the connection drops. */
  async #flush(): Promise<void> {
    if (this.#sending) return;

    this.#sending = true;

    try {
      for (;;) {
        const { pending, plan, status } = this.state.get();
        const first = pending[0];

        if (!first || !this.#socket.connected || this.#isDisposed) return;
        if (status !== 'ready' || !plan) return;
        // The plan must hold this client's own changes before the next one is based on them;
        // the opening that fills the gap, or the broadcasts that do, send it.
        if (plan.version < Math.max(0, ...this.#ownVersions)) return;

        const next = this.#rebase(first, plan);

        try {
          const applied = await request(this.#socket, 'careplan:apply', {
            planId: this.#planId,
            ...next,
          });

          this.#ownVersions.add(applied.version);
          this.#selfId = applied.authorId;
          this.#dropPending(next.idempotencyKey);
          this.#receive(applied);
        } catch (error) {
          if (!(error instanceof RequestError) || error.code === 'timeout') {
            // No answer: the change may or may not have landed. The same key is sent again, so
            // the server applies it once either way.
            this.#scheduleRetry('send');

            return;
          }

          // Refused for good: tell the author, keep nothing half-done.
          this.#dropPending(next.idempotencyKey);
          this.#refused(next.operation, error);
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  /**
   * A pending change based on the version its author started from, moved up past this client's own
   * changes acknowledged since (see rebasedVersion); its idempotency key stays the same.
   */
  #rebase(change: PendingChange, plan: CarePlan): PendingChange {
    const baseVersion = rebasedVersion(
      plan,
      change.operation,
      change.baseVersion,
      this.#ownVersions,
    );

    if (baseVersion === change.baseVersion) return change;

    const rebased = { ...change, baseVersion };

    this.state.update((s) => ({
      ...s,
      pending: s.pending.map((p) => (p.idempotencyKey === change.idempotencyKey ? rebased : p)),
    }));

    return rebased;
  }

  #refused(operation: PlanOperation, error: RequestError): void {
    const notice = noticeFor(operation, error);
    // Refused activation: what the plan lacks now. Any other refused change would have taken a
    // part away from an active plan; the plan, unchanged, still has it.
    const isActivation = notice.kind === 'incomplete' && operation.type === 'plan.setStatus';

    this.state.update((s) => ({
      ...s,
      notices: [...s.notices, notice],
      missingParts: isActivation ? notice.missingParts : s.missingParts,
    }));
  }

  /** Tries again later: opening the plan (which then sends what is pending), or only sending. */
  #scheduleRetry(what: 'open' | 'send'): void {
    if (what === 'open') this.#retryOpen = true;
    if (this.#retry || this.#isDisposed) return;

    this.#retry = setTimeout(() => {
      const open = this.#retryOpen;

      this.#retry = null;
      this.#retryOpen = false;
      void (open ? this.#open() : this.#flush());
    }, RETRY_DELAY_MS);
  }

  #dropPending(key: string): void {
    this.state.update((s) => ({
      ...s,
      pending: s.pending.filter((p) => p.idempotencyKey !== key),
    }));
  }
}

function refusal(operation: PlanOperation, code: string): PlanNotice {
  return { id: uuid(), kind: 'refused', operation, code };
}

function noticeFor(operation: PlanOperation, error: RequestError): PlanNotice {
  const details = (error.details ?? {}) as {
    field?: unknown;
    current?: unknown;
    missingParts?: unknown;
  };

  if (error.code === 'plan_conflict' && typeof details.field === 'string') {
    return {
      id: uuid(),
      kind: 'conflict',
      operation,
      field: details.field,
      current: details.current,
    };
  }
  if (error.code === 'invalid_request' && Array.isArray(details.missingParts)) {
    return {
      id: uuid(),
      kind: 'incomplete',
      operation,
      missingParts: details.missingParts as IndividualPlanPart[],
    };
  }

  return refusal(operation, error.code);
}

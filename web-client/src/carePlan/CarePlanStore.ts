import type {
  ActionStatus,
  CarePlan,
  PlanOperation,
  PlanOperationInput,
  ResponsibleParty,
  ServerToClientEvents,
} from '@teamrom/signaling/protocol';

import { RequestError, request, uuid } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import type { TeamromSocket } from '../meeting/MeetingSession.ts';

/** Wait before sending an unanswered change again on a connection that is still up. */
const RETRY_DELAY_MS = 2000;

/** A change sent to the server and not yet acknowledged. */
export interface PendingChange {
  idempotencyKey: string;
  baseVersion: number;
  operation: PlanOperationInput;
}

export interface CarePlanState {
  status: 'loading' | 'ready' | 'unavailable';
  plan: CarePlan | null;
  pending: PendingChange[];
  /** The last change that was refused, as an i18n key with its values. */
  notice: { key: string; values?: Record<string, string> } | null;
}

/**
 * The care plan as this client sees it. Changes are sent with the plan version they were based on
 * and an idempotency key; those not yet acknowledged are sent again, with the same key, after the
 * connection comes back, so the server applies each exactly once and none is lost.
 */
export class CarePlanStore {
  readonly state = new Store<CarePlanState>({
    status: 'loading',
    plan: null,
    pending: [],
    notice: null,
  });
  readonly #socket: TeamromSocket;
  readonly #planId: string;
  #sending = false;
  #retry: ReturnType<typeof setTimeout> | null = null;

  constructor(socket: TeamromSocket, planId: string) {
    this.#socket = socket;
    this.#planId = planId;
    socket.on('connect', this.#onConnect);
    socket.on('careplan:changed', this.#onChanged);
    if (socket.connected) void this.#open();
  }

  dispose(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#socket.off('connect', this.#onConnect);
    this.#socket.off('careplan:changed', this.#onChanged);
  }

  addAction(input: { description: string; responsible: ResponsibleParty; goalId: string | null }) {
    this.#enqueue({
      type: 'action.add',
      actionId: uuid(),
      description: input.description,
      responsible: input.responsible,
      goalId: input.goalId,
      dueDate: null,
    });
  }

  setActionStatus(actionId: string, status: ActionStatus): void {
    this.#enqueue({ type: 'action.setStatus', actionId, status });
  }

  dismissNotice(): void {
    this.state.update({ notice: null });
  }

  #onConnect = () => {
    void this.#open();
  };

  #onChanged: ServerToClientEvents['careplan:changed'] = (event) => {
    if (event.planId !== this.#planId) return;

    this.#takePlan(event.plan);
  };

  #takePlan(plan: CarePlan): void {
    const current = this.state.get().plan;

    if (current && current.version >= plan.version) return;

    this.state.update({ plan, status: 'ready' });
  }

  async #open(): Promise<void> {
    try {
      const plan = await request(this.#socket, 'careplan:open', { planId: this.#planId });

      this.#takePlan(plan);
      this.state.update({ status: 'ready' });
      void this.#flush();
    } catch (error) {
      if (error instanceof RequestError && error.code === 'timeout') return;

      this.state.update({ status: 'unavailable' });
    }
  }

  #enqueue(operation: PlanOperationInput): void {
    const baseVersion = this.state.get().plan?.version ?? 0;

    this.state.update((s) => ({
      ...s,
      notice: null,
      pending: [...s.pending, { idempotencyKey: uuid(), baseVersion, operation }],
    }));
    void this.#flush();
  }

  /** Sends pending changes in order, one at a time, until none is left or the connection drops. */
  async #flush(): Promise<void> {
    if (this.#sending) return;

    this.#sending = true;

    try {
      for (;;) {
        const next = this.state.get().pending[0];

        if (!next || !this.#socket.connected) return;

        try {
          await request(this.#socket, 'careplan:apply', { planId: this.#planId, ...next });
          this.#dropPending(next.idempotencyKey);
        } catch (error) {
          if (!(error instanceof RequestError) || error.code === 'timeout') {
            // No answer: the change may or may not have landed. The same key is sent again, so
            // the server applies it once either way.
            this.#scheduleRetry();

            return;
          }

          // Refused for good: tell the author, keep nothing half-done.
          this.#dropPending(next.idempotencyKey);
          this.state.update({ notice: noticeFor(error, next.operation as PlanOperation) });
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  #scheduleRetry(): void {
    if (this.#retry) return;

    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#flush();
    }, RETRY_DELAY_MS);
  }

  #dropPending(key: string): void {
    this.state.update((s) => ({
      ...s,
      pending: s.pending.filter((p) => p.idempotencyKey !== key),
    }));
  }
}

function noticeFor(error: RequestError, operation: PlanOperation): CarePlanState['notice'] {
  if (error.code === 'plan_conflict') {
    const details = error.details as { currentStatus?: string } | undefined;

    return {
      key: 'carePlan.conflict',
      values: { status: details?.currentStatus ?? '' },
    };
  }
  if (error.code === 'forbidden') return { key: 'carePlan.forbidden' };

  return { key: 'carePlan.refused', values: { kind: operation.type } };
}

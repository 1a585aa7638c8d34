import type {
  Ack,
  CarePlan,
  OpenedPlan,
  PlanOperation,
  PlanOperationApplied,
} from '@teamrom/signaling/protocol';
import { emptyPlan } from '@teamrom/signaling/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { TeamromSocket } from '../meeting/MeetingSession.ts';
import { CarePlanStore } from './CarePlanStore.ts';
import { planView } from './planView.ts';

type Handler = (...args: unknown[]) => void;

interface Sent {
  event: string;
  payload: Record<string, unknown>;
  ack: (response: Ack<unknown>) => void;
}

/** The client end of a Socket.io connection, driven by the test as if it were the server. */
class FakeSocket {
  connected = true;
  readonly sent: Sent[] = [];
  readonly #handlers = new Map<string, { handler: Handler; once: boolean }[]>();

  on(event: string, handler: Handler) {
    this.#listeners(event).push({ handler, once: false });

    return this;
  }

  once(event: string, handler: Handler) {
    this.#listeners(event).push({ handler, once: true });

    return this;
  }

  off(event: string, handler: Handler) {
    this.#handlers.set(
      event,
      this.#listeners(event).filter((l) => l.handler !== handler),
    );

    return this;
  }

  emit(event: string, payload: Record<string, unknown>, ack: Sent['ack']) {
    this.sent.push({ event, payload, ack });

    return this;
  }

  /** The server sends an event to this client. */
  receive(event: string, ...args: unknown[]) {
    for (const listener of [...this.#listeners(event)]) {
      if (listener.once) this.off(event, listener.handler);
      listener.handler(...args);
    }
  }

  /** Requests of one kind sent so far. */
  requests(event: string): Sent[] {
    return this.sent.filter((s) => s.event === event);
  }

  drop() {
    this.connected = false;
    this.receive('disconnect', 'transport close');
  }

  reconnect() {
    this.connected = true;
    this.receive('connect');
  }

  #listeners(event: string) {
    if (!this.#handlers.has(event)) this.#handlers.set(event, []);

    return this.#handlers.get(event)!;
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const PLAN_ID = 'plan-test';

function planAt(version: number, change?: (plan: CarePlan) => CarePlan): CarePlan {
  const plan = { ...emptyPlan(PLAN_ID, 'patient-test', '2026-11-01T10:00:00.000Z'), version };

  return change ? change(plan) : plan;
}

/** The server names missing parts only of an individual plan. */
function opened(plan: CarePlan): OpenedPlan {
  return {
    plan,
    access: { canEdit: true, canEditOwnWords: true, canRecordConsent: true, canSeeAccessLog: true },
    directory: { persons: {}, organisations: { 'org-home': { name: 'Hjemmesykepleien' } } },
    missingParts: plan.isIndividualPlan ? ['participants', 'coordinator'] : [],
  };
}

function applied(version: number, operation: PlanOperation): PlanOperationApplied {
  return { planId: PLAN_ID, version, operation, authorId: 'person-other', appliedAt: '' };
}

const whatMatters = (text: string): PlanOperation => ({
  type: 'section.set',
  section: 'whatMatters',
  text,
});

describe('CarePlanStore', () => {
  let socket: FakeSocket;
  let store: CarePlanStore;

  /** Creates the store and answers its first opening with the plan at `version`. */
  async function openAt(version: number, change?: (plan: CarePlan) => CarePlan) {
    store = new CarePlanStore(socket as unknown as TeamromSocket, PLAN_ID, 'meeting-test');
    socket.requests('careplan:open')[0]!.ack({ ok: true, data: opened(planAt(version, change)) });
    await settle();
  }

  beforeEach(() => {
    socket = new FakeSocket();
  });

  afterEach(() => {
    store?.dispose();
    vi.useRealTimers();
  });

  it('opens the plan and keeps what the reader may do and the names behind the ids', async () => {
    await openAt(3, (p) => ({ ...p, isIndividualPlan: true }));

    const state = store.state.get();

    expect(state.status).toBe('ready');
    expect(state.plan?.version).toBe(3);
    expect(state.access.canEdit).toBe(true);
    expect(state.directory.organisations['org-home']?.name).toBe('Hjemmesykepleien');
    expect(state.missingParts).toEqual(['participants', 'coordinator']);
  });

  it('applies a broadcast operation that follows the version held, with the shared reducer', async () => {
    await openAt(3);

    socket.receive('careplan:changed', applied(4, whatMatters('Å bo hjemme')));

    const { plan } = store.state.get();

    expect(plan?.version).toBe(4);
    expect(plan?.sections.whatMatters).toBe('Å bo hjemme');
    expect(plan?.changed['sections.whatMatters']).toBe(4);
  });

  it('keeps the missing parts of an individual plan up to date as operations arrive', async () => {
    await openAt(3, (p) => ({ ...p, isIndividualPlan: true }));

    socket.receive(
      'careplan:changed',
      applied(4, { type: 'section.set', section: 'participants', text: 'Astrid og datteren' }),
    );

    expect(store.state.get().missingParts).not.toContain('participants');
    // The coordinator lives outside the plan: the server said it was missing, and it still is.
    expect(store.state.get().missingParts).toContain('coordinator');
  });

  it('opens the plan again when it is made an individual plan, to learn what it lacks', async () => {
    await openAt(3);
    expect(store.state.get().missingParts).toEqual([]);

    socket.receive(
      'careplan:changed',
      applied(4, { type: 'plan.setIndividualPlan', isIndividualPlan: true }),
    );
    socket.requests('careplan:open')[1]!.ack({
      ok: true,
      data: opened(planAt(4, (p) => ({ ...p, isIndividualPlan: true }))),
    });
    await settle();

    expect(store.state.get().missingParts).toEqual(['participants', 'coordinator']);
    expect(socket.requests('careplan:open')).toHaveLength(2);
  });

  it('ignores an operation it holds already, and one for another plan', async () => {
    await openAt(3);

    socket.receive('careplan:changed', applied(4, whatMatters('først')));
    socket.receive('careplan:changed', applied(4, whatMatters('først')));
    socket.receive('careplan:changed', applied(3, whatMatters('gammelt')));
    socket.receive('careplan:changed', { ...applied(5, whatMatters('annen plan')), planId: 'x' });

    expect(store.state.get().plan?.version).toBe(4);
    expect(store.state.get().plan?.sections.whatMatters).toBe('først');
    expect(socket.requests('careplan:open')).toHaveLength(1);
  });

  it('opens the plan again when a broadcast skips a version, then applies what follows', async () => {
    await openAt(3);

    socket.receive('careplan:changed', applied(5, whatMatters('fem')));

    expect(store.state.get().plan?.version).toBe(3);
    expect(socket.requests('careplan:open')).toHaveLength(2);

    // Arrives while the plan is being opened again; it follows what the server sends back.
    socket.receive('careplan:changed', applied(6, whatMatters('seks')));
    socket.requests('careplan:open')[1]!.ack({
      ok: true,
      data: opened(planAt(5, (p) => ({ ...p, sections: { ...p.sections, whatMatters: 'fem' } }))),
    });
    await settle();

    expect(store.state.get().plan?.version).toBe(6);
    expect(store.state.get().plan?.sections.whatMatters).toBe('seks');
    expect(socket.requests('careplan:open')).toHaveLength(2);
  });

  it('sends a change with the version it was based on, and applies the acknowledgement once', async () => {
    await openAt(3);

    store.setSection('whatMatters', 'Å gå til postkassen');

    const [apply] = socket.requests('careplan:apply');

    expect(apply?.payload).toMatchObject({ planId: PLAN_ID, baseVersion: 3 });
    expect(planView(store.state.get()).plan?.sections.whatMatters).toBe('Å gå til postkassen');
    expect(planView(store.state.get()).saving.has('sections.whatMatters')).toBe(true);

    const operation = apply!.payload.operation as PlanOperation;

    apply!.ack({ ok: true, data: applied(4, operation) });
    await settle();
    // The broadcast of the same operation reaches its author too.
    socket.receive('careplan:changed', applied(4, operation));

    expect(store.state.get().pending).toEqual([]);
    expect(store.state.get().plan?.version).toBe(4);
    expect(store.state.get().plan?.sections.whatMatters).toBe('Å gå til postkassen');
  });

  it('bases an edit on the version its author started from, not on the one at saving', async () => {
    await openAt(3);
    socket.receive('careplan:changed', applied(4, whatMatters('endret av en annen')));

    store.setSection('whatMatters', 'min tekst', 3);

    expect(socket.requests('careplan:apply')[0]?.payload.baseVersion).toBe(3);
  });

  it('sends unanswered changes again after a reconnect, with the same idempotency keys', async () => {
    await openAt(3);

    store.addAction({
      description: 'Hjemmebesøk',
      responsible: { kind: 'organisation', id: 'org-home' },
      goalId: null,
      dueDate: null,
    });
    socket.drop();
    await settle();
    store.addNote('decision', 'Vi prøver hjemmerehabilitering');

    const first = socket.requests('careplan:apply')[0]!.payload;

    // Nothing more is sent while offline.
    expect(socket.requests('careplan:apply')).toHaveLength(1);
    expect(store.state.get().pending).toHaveLength(2);

    socket.reconnect();
    socket.requests('careplan:open')[1]!.ack({ ok: true, data: opened(planAt(3)) });
    await settle();

    const resent = socket.requests('careplan:apply')[1]!;

    expect(resent.payload.idempotencyKey).toBe(first.idempotencyKey);
    expect(resent.payload.baseVersion).toBe(3);
    expect(resent.payload.operation).toEqual(first.operation);

    resent.ack({ ok: true, data: applied(4, resent.payload.operation as PlanOperation) });
    await settle();

    const note = socket.requests('careplan:apply')[2]!;

    expect(note.payload.operation).toMatchObject({
      type: 'note.add',
      kind: 'decision',
      meetingId: 'meeting-test',
    });
    note.ack({ ok: true, data: applied(5, note.payload.operation as PlanOperation) });
    await settle();

    expect(store.state.get().pending).toEqual([]);
    expect(store.state.get().plan?.actions.map((a) => a.description)).toEqual(['Hjemmebesøk']);
    expect(store.state.get().plan?.notes).toHaveLength(1);
    expect(store.state.get().notices).toEqual([]);
  });

  it('sends a change again with the same key when the server does not answer in time', async () => {
    vi.useFakeTimers();
    store = new CarePlanStore(socket as unknown as TeamromSocket, PLAN_ID);
    socket.requests('careplan:open')[0]!.ack({ ok: true, data: opened(planAt(1)) });
    await vi.advanceTimersByTimeAsync(0);

    store.setActionStatus('action-1', 'done');
    await vi.advanceTimersByTimeAsync(10_000 + 2000);

    const [first, again] = socket.requests('careplan:apply');

    expect(again?.payload.idempotencyKey).toBe(first?.payload.idempotencyKey);
  });

  it('drops a change refused as a conflict and says what the field holds now', async () => {
    await openAt(3);
    socket.receive('careplan:changed', applied(4, whatMatters('skrevet av en annen')));

    store.setSection('whatMatters', 'min versjon', 3);
    socket.requests('careplan:apply')[0]!.ack({
      ok: false,
      error: {
        code: 'plan_conflict',
        message: 'someone changed this meanwhile',
        details: { field: 'sections.whatMatters', current: 'skrevet av en annen', version: 4 },
      },
    });
    await settle();

    const state = store.state.get();

    expect(state.pending).toEqual([]);
    expect(state.plan?.sections.whatMatters).toBe('skrevet av en annen');
    expect(planView(state).plan?.sections.whatMatters).toBe('skrevet av en annen');
    expect(state.notices).toEqual([
      expect.objectContaining({
        kind: 'conflict',
        field: 'sections.whatMatters',
        current: 'skrevet av en annen',
      }),
    ]);

    store.dismissNotice(state.notices[0]!.id);
    expect(store.state.get().notices).toEqual([]);
  });

  it('says which parts are missing when an incomplete individual plan cannot be made active', async () => {
    await openAt(3);

    store.setStatus('active');
    socket.requests('careplan:apply')[0]!.ack({
      ok: false,
      error: {
        code: 'invalid_request',
        message: 'incomplete',
        details: { missingParts: ['consent'] },
      },
    });
    await settle();

    expect(store.state.get().notices).toEqual([
      expect.objectContaining({ kind: 'incomplete', missingParts: ['consent'] }),
    ]);
    expect(store.state.get().missingParts).toEqual(['consent']);
    expect(store.state.get().plan?.status).toBe('draft');
  });

  it('closes the plan at once when access is withdrawn, and shows unsaved changes as refused', async () => {
    await openAt(3);
    store.setSection('whatMatters', 'ikke lagret ennå');

    socket.receive('careplan:closed', { planId: PLAN_ID, reason: 'access_withdrawn' });

    const state = store.state.get();

    expect(state.status).toBe('closed');
    expect(state.plan).toBeNull();
    expect(state.directory).toEqual({ persons: {}, organisations: {} });
    expect(state.pending).toEqual([]);
    expect(state.notices).toEqual([
      expect.objectContaining({ kind: 'refused', code: 'access_withdrawn' }),
    ]);

    // Late news of the plan changes nothing, and a reconnect does not open it again.
    socket.receive('careplan:changed', applied(4, whatMatters('etterpå')));
    socket.drop();
    socket.reconnect();
    expect(store.state.get().plan).toBeNull();
    expect(socket.requests('careplan:open')).toHaveLength(1);
  });

  it('opens the plan again when the patient’s consents change', async () => {
    await openAt(3);

    socket.receive('consent:changed', { patientId: 'someone-else' });
    expect(socket.requests('careplan:open')).toHaveLength(1);

    socket.receive('consent:changed', { patientId: 'patient-test' });
    expect(socket.requests('careplan:open')).toHaveLength(2);
  });

  it('forgets the plan when opening it again is refused', async () => {
    await openAt(3);

    socket.receive('consent:changed', { patientId: 'patient-test' });
    socket.requests('careplan:open')[1]!.ack({
      ok: false,
      error: { code: 'forbidden', message: 'no longer in the care team' },
    });
    await settle();

    expect(store.state.get().status).toBe('unavailable');
    expect(store.state.get().plan).toBeNull();
  });

  it('keeps the plan held and asks again when the server fails to open it', async () => {
    vi.useFakeTimers();
    store = new CarePlanStore(socket as unknown as TeamromSocket, PLAN_ID);
    socket.requests('careplan:open')[0]!.ack({ ok: true, data: opened(planAt(3)) });
    await vi.advanceTimersByTimeAsync(0);

    socket.receive('careplan:changed', applied(5, whatMatters('fem')));
    socket.requests('careplan:open')[1]!.ack({
      ok: false,
      error: { code: 'internal', message: 'something went wrong' },
    });
    await vi.advanceTimersByTimeAsync(0);

    expect(store.state.get().plan?.version).toBe(3);

    await vi.advanceTimersByTimeAsync(2000);
    socket.requests('careplan:open')[2]!.ack({ ok: true, data: opened(planAt(5)) });
    await vi.advanceTimersByTimeAsync(0);

    expect(store.state.get().status).toBe('ready');
    expect(store.state.get().plan?.version).toBe(5);
  });

  it('tells the server when the reader closes the plan', async () => {
    await openAt(3);

    store.dispose();

    expect(socket.requests('careplan:close')[0]?.payload).toEqual({ planId: PLAN_ID });
  });
});

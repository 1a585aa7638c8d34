import type {
  Ack,
  ApplyPlanOperation,
  CarePlan,
  OpenedPlan,
  PlanDirectory,
  PlanHistoryEntry,
  PlanOperation,
  PlanOperationApplied,
} from '@teamrom/signaling/protocol';
import { PlanRuleError, checkOperation, emptyPlan, reduce } from '@teamrom/signaling/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { TeamromSocket } from '../meeting/MeetingSession.ts';
import { CarePlanStore } from './CarePlanStore.ts';
import { GATHER_MS, MIN_INTERVAL_MS, PlanAnnouncer } from './PlanAnnouncer.ts';
import { PlanHistory } from './PlanHistory.ts';
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

const SELF = 'person-self';

/**
 * The server's side of changing a plan: each change is checked with the shared rules, broadcast,
 * and then acknowledged, as the real server does; a key it has seen is answered with the first
 * result and not applied again.
 */
class FakePlanServer {
  plan: CarePlan;
  readonly #socket: FakeSocket;
  readonly #byKey = new Map<string, PlanOperationApplied>();
  readonly #wait: () => Promise<unknown>;
  #answered = 0;

  /** `wait` lets the client act on an answer: with fake timers, advance them. */
  constructor(socket: FakeSocket, plan: CarePlan, wait: () => Promise<unknown> = settle) {
    this.#socket = socket;
    this.plan = plan;
    this.#wait = wait;
  }

  /** Answers every change sent so far, and those the client sends in reply, until none is left. */
  async answerAll(): Promise<void> {
    for (;;) {
      const sent = this.#socket.requests('careplan:apply')[this.#answered];

      if (!sent) return;

      this.#answered++;
      sent.ack(this.#apply(sent.payload as unknown as ApplyPlanOperation, SELF));
      await this.#wait();
    }
  }

  /** Takes the change sent last without answering it: the answer is lost with the connection. */
  loseAnswer(): void {
    const sent = this.#socket.requests('careplan:apply')[this.#answered++]!;

    this.#apply(sent.payload as unknown as ApplyPlanOperation, SELF, { isBroadcast: false });
  }

  /** Someone else changes the plan; everyone who has it open is told. */
  changeBy(authorId: string, operation: PlanOperation): void {
    const request = { planId: PLAN_ID, baseVersion: this.plan.version, operation };

    this.#apply({ ...request, idempotencyKey: crypto.randomUUID() }, authorId);
  }

  #apply(
    request: ApplyPlanOperation,
    authorId: string,
    { isBroadcast = true } = {},
  ): Ack<PlanOperationApplied> {
    const earlier = this.#byKey.get(request.idempotencyKey);

    if (earlier) return { ok: true, data: earlier };

    try {
      checkOperation(this.plan, request.operation, request.baseVersion, {
        hasCoordinator: true,
        hasPlanConsent: true,
      });
    } catch (error) {
      if (!(error instanceof PlanRuleError)) throw error;

      return {
        ok: false,
        error: { code: error.code, message: error.message, details: error.details },
      };
    }

    const applied: PlanOperationApplied = {
      planId: PLAN_ID,
      version: this.plan.version + 1,
      operation: request.operation,
      authorId,
      appliedAt: '2026-11-02T09:00:00.000Z',
    };

    this.plan = reduce(this.plan, request.operation, applied);
    this.#byKey.set(request.idempotencyKey, applied);
    if (isBroadcast) this.#socket.receive('careplan:changed', applied);

    return { ok: true, data: applied };
  }
}

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

const DIRECTORY: PlanDirectory = {
  persons: {
    [SELF]: { name: 'Kari Nordmann', role: 'coordinator', organisation: null },
    'person-ingrid': { name: 'Ingrid Berg', role: 'nurse', organisation: 'Hjemmesykepleien' },
    'person-per': { name: 'Per Hansen', role: 'gp', organisation: null },
  },
  organisations: { 'org-home': { name: 'Hjemmesykepleien' } },
};

/** A plan at `version` holding one open action, `action-1`. */
function planWithAction(version: number): CarePlan {
  return planAt(version, (p) => ({
    ...p,
    actions: [
      {
        id: 'action-1',
        description: 'Ringe fastlegen',
        responsible: { kind: 'organisation', id: 'org-home' },
        status: 'open',
        goalId: null,
        dueDate: null,
        createdAt: '',
      },
    ],
  }));
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

describe('CarePlanStore with its own changes in flight', () => {
  let socket: FakeSocket;
  let server: FakePlanServer;
  let store: CarePlanStore;

  async function openOn(plan: CarePlan) {
    server = new FakePlanServer(socket, plan);
    store = new CarePlanStore(socket as unknown as TeamromSocket, PLAN_ID, 'meeting-test');
    await answerOpen();
  }

  /** Answers the newest opening of the plan with what the server holds now. */
  async function answerOpen() {
    const data = { ...opened(server.plan), directory: DIRECTORY };

    socket.requests('careplan:open').at(-1)!.ack({ ok: true, data });
    await settle();
  }

  const sentChanges = () =>
    socket.requests('careplan:apply').map((s) => s.payload as unknown as ApplyPlanOperation);

  beforeEach(() => {
    socket = new FakeSocket();
  });

  afterEach(() => {
    store?.dispose();
    vi.useRealTimers();
  });

  it('sends a quick second change of an action on top of the first, and ends with the last', async () => {
    await openOn(planWithAction(3));

    store.setActionStatus('action-1', 'in_progress');
    store.setActionStatus('action-1', 'done');

    // One at a time: the second waits for the first to be acknowledged.
    expect(socket.requests('careplan:apply')).toHaveLength(1);

    await server.answerAll();

    const [first, second] = sentChanges();

    expect(second?.baseVersion).toBe(4);
    expect(second?.idempotencyKey).not.toBe(first?.idempotencyKey);
    expect(store.state.get().notices).toEqual([]);
    expect(store.state.get().pending).toEqual([]);
    expect(store.state.get().plan?.actions[0]?.status).toBe('done');
    expect(server.plan.actions[0]?.status).toBe('done');
  });

  it('sends an offline burst of edits of one section in turn, with unchanged keys, ending with the last', async () => {
    await openOn(planAt(3));

    store.setSection('whatMatters', 'Å bo hjemme');
    // The server applied the first edit, but its answer was lost with the connection.
    server.loseAnswer();
    socket.drop();
    await settle();
    store.setSection('whatMatters', 'Å bo hjemme med katten');
    store.setSection('whatMatters', 'Å bo hjemme med katten, og gå tur');

    const keys = store.state.get().pending.map((p) => p.idempotencyKey);

    expect(keys).toHaveLength(3);

    socket.reconnect();
    await answerOpen();
    await server.answerAll();

    const resent = sentChanges().slice(1);

    expect(resent.map((c) => c.idempotencyKey)).toEqual(keys);
    expect(resent.map((c) => c.baseVersion)).toEqual([3, 4, 5]);
    expect(store.state.get().notices).toEqual([]);
    expect(store.state.get().pending).toEqual([]);
    expect(store.state.get().plan?.version).toBe(6);
    expect(store.state.get().plan?.sections.whatMatters).toBe('Å bo hjemme med katten, og gå tur');
    expect(server.plan.sections.whatMatters).toBe('Å bo hjemme med katten, og gå tur');
  });

  it('sends two section saves made in a row on top of each other', async () => {
    await openOn(planAt(3));

    store.setSection('crisisWhatToDo', 'Ring legevakten', 3);
    store.setSection('crisisWhatToDo', 'Ring legevakten på 116 117', 3);
    await server.answerAll();

    expect(store.state.get().notices).toEqual([]);
    expect(server.plan.sections.crisisWhatToDo).toBe('Ring legevakten på 116 117');
  });

  it('still refuses a change whose field someone else changed before the author saw it', async () => {
    await openOn(planWithAction(3));

    store.setActionStatus('action-1', 'in_progress');
    store.setSection('whatMatters', 'min tekst');
    // Ingrid's change lands between the author's two; the author never saw it.
    server.changeBy('person-ingrid', whatMatters('Ingrids tekst'));
    await server.answerAll();

    const [, second] = sentChanges();

    // Own acknowledgement (version 5) does not lift the base past Ingrid's change (version 4).
    expect(second?.baseVersion).toBe(3);
    expect(store.state.get().notices).toEqual([
      expect.objectContaining({
        kind: 'conflict',
        field: 'sections.whatMatters',
        current: 'Ingrids tekst',
      }),
    ]);
    expect(server.plan.sections.whatMatters).toBe('Ingrids tekst');
    expect(server.plan.actions[0]?.status).toBe('in_progress');
  });

  it('lifts the base past someone else’s change to another field', async () => {
    await openOn(planWithAction(3));

    store.setActionStatus('action-1', 'in_progress');
    store.setActionStatus('action-1', 'done');
    server.changeBy('person-ingrid', whatMatters('Ingrids tekst'));
    await server.answerAll();

    expect(sentChanges()[1]?.baseVersion).toBe(5);
    expect(store.state.get().notices).toEqual([]);
    expect(server.plan.actions[0]?.status).toBe('done');
  });

  it('says which parts would be missing when a change would take one from an active individual plan', async () => {
    await openOn(planAt(3, (p) => ({ ...p, isIndividualPlan: true, status: 'active' })));

    store.setSection('participants', '');
    socket.requests('careplan:apply')[0]!.ack({
      ok: false,
      error: {
        code: 'invalid_request',
        message: 'this change would take a required part away from an active individual plan',
        details: { missingParts: ['participants'] },
      },
    });
    await settle();

    expect(store.state.get().notices).toEqual([
      expect.objectContaining({
        kind: 'incomplete',
        missingParts: ['participants'],
        operation: expect.objectContaining({ type: 'section.set' }),
      }),
    ]);
    // Refused, the plan still holds the part: what it lacks now is not what it would have lacked.
    expect(store.state.get().missingParts).toEqual(opened(server.plan).missingParts);
  });

  it('closes the plan when access has expired, and says so rather than that it was withdrawn', async () => {
    await openOn(planAt(3));
    store.setSection('whatMatters', 'ikke lagret ennå');

    socket.receive('careplan:closed', { planId: PLAN_ID, reason: 'expired' });

    const state = store.state.get();

    expect(state.status).toBe('closed');
    expect(state.closedReason).toBe('expired');
    expect(state.plan).toBeNull();
    expect(state.notices).toEqual([expect.objectContaining({ kind: 'refused', code: 'expired' })]);
  });

  it('tells of each change applied, in order, with the plan after it', async () => {
    await openOn(planWithAction(3));

    const told: [number, string, string][] = [];

    store.onApplied((applied, plan) =>
      told.push([applied.version, plan.sections.whatMatters, plan.actions[0]!.status]),
    );
    store.setActionStatus('action-1', 'done');
    server.changeBy('person-ingrid', whatMatters('Ingrids tekst'));
    await server.answerAll();

    expect(told).toEqual([
      [4, 'Ingrids tekst', 'open'],
      [5, 'Ingrids tekst', 'done'],
    ]);
  });
});

describe('PlanHistory', () => {
  let socket: FakeSocket;
  let server: FakePlanServer;
  let store: CarePlanStore;
  let history: PlanHistory;

  const entry = (version: number, authorId: string, text: string): PlanHistoryEntry => ({
    ...applied(version, whatMatters(text)),
    authorId,
    authorName: DIRECTORY.persons[authorId]!.name,
    authorRole: DIRECTORY.persons[authorId]!.role,
  });

  beforeEach(async () => {
    socket = new FakeSocket();
    server = new FakePlanServer(socket, planAt(2));
    store = new CarePlanStore(socket as unknown as TeamromSocket, PLAN_ID);
    socket.requests('careplan:open')[0]!.ack({
      ok: true,
      data: { ...opened(server.plan), directory: DIRECTORY },
    });
    await settle();
    history = new PlanHistory(socket as unknown as TeamromSocket, store);
  });

  afterEach(() => {
    history.dispose();
    store.dispose();
  });

  async function loadWith(entries: PlanHistoryEntry[]) {
    void history.load();
    socket.requests('careplan:history').at(-1)!.ack({ ok: true, data: entries });
    await settle();
  }

  it('is read once when shown, and adds later changes from the broadcasts without reading again', async () => {
    await loadWith([entry(1, SELF, 'en'), entry(2, 'person-ingrid', 'to')]);

    server.changeBy('person-per', whatMatters('tre'));
    server.changeBy('person-ingrid', whatMatters('fire'));

    const { entries, status, hasGap } = history.state.get();

    expect(socket.requests('careplan:history')).toHaveLength(1);
    expect(status).toBe('ready');
    expect(hasGap).toBe(false);
    expect(entries.map((e) => [e.version, e.authorName, e.authorRole])).toEqual([
      [1, 'Kari Nordmann', 'coordinator'],
      [2, 'Ingrid Berg', 'nurse'],
      [3, 'Per Hansen', 'gp'],
      [4, 'Ingrid Berg', 'nurse'],
    ]);
    expect(entries[3]?.operation).toEqual(whatMatters('fire'));
  });

  it('keeps what arrived while it was being read', async () => {
    void history.load();
    server.changeBy('person-per', whatMatters('tre'));
    socket.requests('careplan:history')[0]!.ack({
      ok: true,
      data: [entry(1, SELF, 'en'), entry(2, 'person-ingrid', 'to')],
    });
    await settle();

    expect(history.state.get().entries.map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('says when versions are missing, and reads them on request', async () => {
    await loadWith([entry(1, SELF, 'en'), entry(2, 'person-ingrid', 'to')]);

    // Version 3 is lost; the store opens the plan afresh and then applies 4 as it follows.
    socket.receive('careplan:changed', {
      ...applied(4, whatMatters('fire')),
      authorId: 'person-per',
    });
    socket.requests('careplan:open')[1]!.ack({
      ok: true,
      data: { ...opened(planAt(3)), directory: DIRECTORY },
    });
    await settle();

    expect(history.state.get().hasGap).toBe(true);
    expect(socket.requests('careplan:history')).toHaveLength(1);

    await loadWith([
      entry(1, SELF, 'en'),
      entry(2, 'person-ingrid', 'to'),
      entry(3, 'person-ingrid', 'tre'),
      entry(4, 'person-per', 'fire'),
    ]);

    expect(history.state.get().hasGap).toBe(false);
    expect(history.state.get().entries.map((e) => e.version)).toEqual([1, 2, 3, 4]);
  });

  it('names an author the plan’s directory does not know as no one in particular', async () => {
    await loadWith([]);

    server.changeBy('person-new', whatMatters('ny'));

    expect(history.state.get().entries[0]).toMatchObject({ authorName: '', authorRole: null });
  });
});

describe('PlanAnnouncer', () => {
  let socket: FakeSocket;
  let server: FakePlanServer;
  let store: CarePlanStore;
  let announcer: PlanAnnouncer;

  beforeEach(async () => {
    vi.useFakeTimers();
    socket = new FakeSocket();
    server = new FakePlanServer(socket, planWithAction(3), () => vi.advanceTimersByTimeAsync(0));
    store = new CarePlanStore(socket as unknown as TeamromSocket, PLAN_ID);
    socket.requests('careplan:open')[0]!.ack({
      ok: true,
      data: { ...opened(server.plan), directory: DIRECTORY },
    });
    await vi.advanceTimersByTimeAsync(0);
    announcer = new PlanAnnouncer(store);
  });

  afterEach(() => {
    announcer.dispose();
    store.dispose();
    vi.useRealTimers();
  });

  const announced = () =>
    announcer.state
      .get()
      .announcement?.changes.map((c) => [c.applied.authorId, c.applied.version]) ?? null;

  it('announces a change someone else made, after a moment', async () => {
    server.changeBy('person-ingrid', whatMatters('Å bo hjemme'));

    expect(announced()).toBeNull();

    await vi.advanceTimersByTimeAsync(GATHER_MS);

    expect(announced()).toEqual([['person-ingrid', 4]]);
    expect(announcer.state.get().announcement?.changes[0]?.plan.sections.whatMatters).toBe(
      'Å bo hjemme',
    );
  });

  it('announces a burst of changes once', async () => {
    server.changeBy('person-ingrid', whatMatters('en'));
    await vi.advanceTimersByTimeAsync(500);
    server.changeBy('person-ingrid', whatMatters('to'));
    server.changeBy('person-per', whatMatters('tre'));
    await vi.advanceTimersByTimeAsync(GATHER_MS);

    const first = announcer.state.get().announcement;

    expect(announced()).toEqual([
      ['person-ingrid', 4],
      ['person-ingrid', 5],
      ['person-per', 6],
    ]);

    // The next change waits until the screen reader has had time for the last announcement.
    server.changeBy('person-per', whatMatters('fire'));
    await vi.advanceTimersByTimeAsync(GATHER_MS);

    expect(announcer.state.get().announcement).toBe(first);

    await vi.advanceTimersByTimeAsync(MIN_INTERVAL_MS);

    expect(announced()).toEqual([['person-per', 7]]);
  });

  it('does not announce this client’s own changes, though their broadcast comes before the answer', async () => {
    store.setActionStatus('action-1', 'done');
    await server.answerAll();
    await vi.advanceTimersByTimeAsync(GATHER_MS + MIN_INTERVAL_MS);

    expect(announced()).toBeNull();
  });
});

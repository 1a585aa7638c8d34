import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CarePlan, OpenedPlan, PlanOperation } from '../../signaling/src/protocol/index.ts';
import { sameData } from '../../signaling/src/protocol/index.ts';
import type { TestServer } from '../../signaling/src/testing/harness.ts';
import { ask, connectClient, startTestServer } from '../../signaling/src/testing/harness.ts';
import { CarePlanStore } from '../../web-client/src/carePlan/CarePlanStore.ts';
import type { TeamromSocket } from '../../web-client/src/meeting/MeetingSession.ts';

/*
 * The web client's care-plan store, run in Node against a real server: what a clinician types is
 * never lost and never applied twice, whatever the connection does.
 */

const PLAN = 'plan-demo';
const STAFF = ['person-kari', 'person-ola', 'person-ingrid', 'person-per'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;

  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('the care-plan store of the web client', () => {
  let server: TestServer;
  const sockets: TeamromSocket[] = [];

  const openStore = async (personId: string) => {
    const socket: TeamromSocket = io(server.url, {
      auth: { token: server.tokenFor(personId) },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const store = new CarePlanStore(socket, PLAN);

    sockets.push(socket);
    await until('the plan to load', () => store.state.get().status === 'ready');

    return { socket, store };
  };

  const storedPlan = async (): Promise<CarePlan> => {
    const res = await fetch(`${server.url}/api/careplans/${PLAN}`, {
      headers: { authorization: `Bearer ${server.tokenFor('person-kari')}` },
    });

    return ((await res.json()) as OpenedPlan).plan;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server.stop();
  });

  it('sends a change made while offline once the connection is back, and applies it once', async () => {
    const { socket, store } = await openStore('person-ingrid');

    socket.disconnect();
    store.addAction({
      description: 'Skrevet uten nett',
      responsible: { kind: 'organisation', id: 'org-municipality' },
      goalId: null,
      dueDate: null,
    });
    await sleep(100);

    expect(store.state.get().pending).toHaveLength(1);
    expect(
      (await storedPlan()).actions.filter((a) => a.description === 'Skrevet uten nett'),
    ).toEqual([]);

    socket.connect();
    await until('the change to be acknowledged', () => store.state.get().pending.length === 0);

    const stored = await storedPlan();

    expect(stored.actions.filter((a) => a.description === 'Skrevet uten nett')).toHaveLength(1);
    expect(store.state.get().plan?.version).toBe(stored.version);
  });

  it('applies a change once when its acknowledgement was lost and it is sent again', async () => {
    const { socket, store } = await openStore('person-per');

    socket.disconnect();
    store.setActionStatus('action-physio', 'done');

    const [pending] = store.state.get().pending;

    // The server received this change and answered, but the answer never reached the client.
    const other = await connectClient(server.url, server.tokenFor('person-per'));

    expect(await ask(other, 'careplan:apply', { planId: PLAN, ...pending })).toMatchObject({
      ok: true,
    });
    other.close();

    const versionBefore = (await storedPlan()).version;

    socket.connect();
    await until('the resend to be acknowledged', () => store.state.get().pending.length === 0);

    expect((await storedPlan()).version).toBe(versionBefore);
    expect(store.state.get().notices).toEqual([]);
  });

  it('tells the author when someone else changed the same action meanwhile', async () => {
    const first = await openStore('person-ola');
    const second = await openStore('person-kari');

    first.socket.disconnect();
    first.store.setActionStatus('action-copd', 'done');
    second.store.setActionStatus('action-copd', 'done');
    await until('the second change to land', () => second.store.state.get().pending.length === 0);
    second.store.setActionStatus('action-copd', 'open');
    await until('the third change to land', () => second.store.state.get().pending.length === 0);

    first.socket.connect();
    await until(
      'the stale change to be answered',
      () => first.store.state.get().pending.length === 0,
    );

    expect(first.store.state.get().notices).toEqual([
      expect.objectContaining({
        kind: 'conflict',
        field: 'actions.action-copd.status',
        current: 'open',
      }),
    ]);
    expect((await storedPlan()).actions.find((a) => a.id === 'action-copd')?.status).toBe('open');
  });

  it('sends quick changes to one action on top of each other, ending with the last and no notice', async () => {
    const { store } = await openStore('person-ingrid');

    store.setActionStatus('action-physio', 'in_progress');
    store.setActionStatus('action-physio', 'done');
    store.setActionStatus('action-physio', 'open');
    await until('the changes to be acknowledged', () => store.state.get().pending.length === 0);

    expect(store.state.get().notices).toEqual([]);
    expect((await storedPlan()).actions.find((a) => a.id === 'action-physio')?.status).toBe('open');
  });

  it('sends an offline burst of edits of one section in turn, ending with the last text', async () => {
    const { socket, store } = await openStore('person-ingrid');

    socket.disconnect();
    store.setSection('crisisWhatToDo', 'Ring hjemmesykepleien');
    store.setSection('crisisWhatToDo', 'Ring hjemmesykepleien, så fastlegen');
    store.setSection('crisisWhatToDo', 'Ring hjemmesykepleien, så fastlegen, så 113');
    socket.connect();
    await until('the edits to be acknowledged', () => store.state.get().pending.length === 0);

    expect(store.state.get().notices).toEqual([]);
    expect((await storedPlan()).sections.crisisWhatToDo).toBe(
      'Ring hjemmesykepleien, så fastlegen, så 113',
    );
  });

  it('converges five editors making mixed, clashing changes with random disconnects: every change is saved once or refused to its author', async () => {
    const editors = await Promise.all(
      ['person-kari', 'person-ola', 'person-ingrid', 'person-per', 'person-ola'].map(openStore),
    );
    const made: { editor: number; key: string; operation: PlanOperation }[] = [];
    const actions = ['action-physio', 'action-meds', 'action-copd', 'action-alarm'] as const;
    const statuses = ['open', 'in_progress', 'done'] as const;
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;

    for (let round = 0; round < 10; round++) {
      for (const [i, editor] of editors.entries()) {
        const before = new Set(editor.store.state.get().pending.map((p) => p.idempotencyKey));
        const choice = random();

        if (choice < 0.3) editor.store.setSection('implementation', `Gjennomføring ${round}-${i}`);
        else if (choice < 0.6) editor.store.setActionStatus(pick(actions), pick(statuses));
        else if (choice < 0.8) editor.store.addNote('note', `Notat ${round}-${i}`);
        else {
          editor.store.addAction({
            description: `Blandet ${round}-${i}`,
            responsible: { kind: 'organisation', id: 'org-gp' },
            goalId: null,
            dueDate: null,
          });
        }

        const added = editor.store.state.get().pending.filter((p) => !before.has(p.idempotencyKey));

        for (const change of added) {
          made.push({ editor: i, key: change.idempotencyKey, operation: change.operation });
        }
        if (random() < 0.3) editor.socket.disconnect();
        else if (!editor.socket.active) editor.socket.connect();
      }
      await sleep(random() * 40);
    }

    for (const editor of editors) if (!editor.socket.active) editor.socket.connect();
    await until(
      'every editor to have no pending change',
      () => editors.every((e) => e.store.state.get().pending.length === 0),
      30_000,
    );

    const stored = await storedPlan();

    await until('every editor to hold the stored version', () =>
      editors.every((e) => e.store.state.get().plan?.version === stored.version),
    );

    const savedKeys = new Set(
      (
        await server.db.query<{ idempotency_key: string }>(
          'select idempotency_key from plan_operations where plan_id = $1',
          [PLAN],
        )
      ).map((r) => r.idempotency_key),
    );

    expect(made.length).toBe(50);

    // Every change is saved (once: keys are unique in the store) or was refused and shown to its
    // author, never both and never neither; only changes to something another editor changed first
    // can be refused.
    for (const [i, editor] of editors.entries()) {
      const unsaved = made.filter((m) => m.editor === i && !savedKeys.has(m.key));
      const notices = [...editor.store.state.get().notices];

      for (const { operation } of unsaved) {
        const at = notices.findIndex((n) => sameData(n.operation, operation));

        expect(at, JSON.stringify(operation)).toBeGreaterThanOrEqual(0);
        expect(['section.set', 'action.setStatus']).toContain(operation.type);
        notices.splice(at, 1);
      }
      expect(notices, 'a notice for a change that was saved').toEqual([]);
    }
    for (const editor of editors) expect(editor.store.state.get().plan).toEqual(stored);
  });

  it('converges five editors with random disconnects on one plan holding every change once', async () => {
    const editors = await Promise.all(
      ['person-kari', 'person-ola', 'person-ingrid', 'person-per', 'person-kari'].map(openStore),
    );
    const written: string[] = [];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

    for (let round = 0; round < 12; round++) {
      for (const [i, editor] of editors.entries()) {
        const description = `Tiltak ${round}-${i}`;

        written.push(description);
        editor.store.addAction({
          description,
          responsible: { kind: 'organisation', id: 'org-gp' },
          goalId: 'goal-walk',
          dueDate: null,
        });
        if (random() < 0.3) editor.socket.disconnect();
        else if (!editor.socket.active) editor.socket.connect();
      }
      await sleep(random() * 30);
    }

    for (const editor of editors) if (!editor.socket.active) editor.socket.connect();
    await until(
      'every editor to have no pending change',
      () => editors.every((e) => e.store.state.get().pending.length === 0),
      20_000,
    );

    const stored = await storedPlan();

    await until('every editor to hold the stored version', () =>
      editors.every((e) => e.store.state.get().plan?.version === stored.version),
    );

    for (const description of written) {
      expect(
        stored.actions.filter((a) => a.description === description),
        description,
      ).toHaveLength(1);
    }
    for (const editor of editors) {
      expect(editor.store.state.get().plan?.actions.map((a) => a.id)).toEqual(
        stored.actions.map((a) => a.id),
      );
    }
    expect(STAFF).toContain('person-kari');
  });
});

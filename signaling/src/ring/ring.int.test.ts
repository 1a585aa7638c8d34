import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { IncomingRing, JoinReply, RingStarted, RingState } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

/**
 * Short, so that a ring nobody answers ends within the test; long enough for the other tests to
 * answer or cancel on a busy machine.
 */
const RING_TIMEOUT_MS = 1500;

type Update = { ringId: string; personId: string; state: RingState };

describe('ad-hoc calls', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const connect = async (personId: string, options: { meetingId?: string } = {}) => {
    const socket = await connectClient(server.url, server.tokenFor(personId, options));

    sockets.push(socket);

    return socket;
  };

  /** A device that shows every call it gets, and remembers it. */
  const device = async (personId: string, options: { meetingId?: string } = {}) => {
    const socket = await connect(personId, options);
    const rings: IncomingRing[] = [];

    socket.on('ring:incoming', (ring, ack) => {
      rings.push(ring);
      ack({});
    });

    return { socket, rings };
  };

  /** A caller that keeps every update it gets. */
  const caller = async (personId: string, options: { meetingId?: string } = {}) => {
    const socket = await connect(personId, options);
    const updates: Update[] = [];

    socket.on('ring:update', (update) => updates.push(update));

    return { socket, updates };
  };

  const ring = async (socket: TestSocket, personIds: string[], meetingId?: string) => {
    const ack = await ask<RingStarted>(socket, 'ring:start', {
      patientId: 'patient-demo',
      personIds,
      ...(meetingId ? { meetingId } : {}),
    });

    if (!ack.ok) throw new Error(`ring refused: ${ack.error.code}`);

    return ack.data;
  };

  beforeAll(async () => {
    server = await startTestServer({ env: { RING_TIMEOUT_MS: String(RING_TIMEOUT_MS) } });
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('rings a member who is online and reports one who is offline as offline', async () => {
    const kari = await caller('person-kari');
    const ola = await device('person-ola');
    const started = await ring(kari.socket, ['person-ola', 'person-per']);

    expect(started.calls).toEqual([
      { personId: 'person-ola', displayName: 'Ola Hansen', role: 'physician', state: 'calling' },
      { personId: 'person-per', displayName: 'Per Lie', role: 'gp', state: 'offline' },
    ]);
    await expect.poll(() => ola.rings).toHaveLength(1);
    expect(ola.rings[0]).toEqual({
      ringId: started.ringId,
      meetingId: started.meetingId,
      patientId: 'patient-demo',
      patientName: 'Astrid Solberg',
      from: {
        personId: 'person-kari',
        displayName: 'Kari Nordmann',
        role: 'coordinator',
        organisation: 'Koordinerende enhet, Fjellvik kommune',
      },
      expiresAt: started.expiresAt,
    });
    await expect
      .poll(() => kari.updates)
      .toContainEqual({ ringId: started.ringId, personId: 'person-ola', state: 'ringing' });
  });

  it('makes a meeting of the patient for the call, and audits who started it', async () => {
    const kari = await caller('person-kari');

    await device('person-ola');

    const started = await ring(kari.socket, ['person-ola']);

    expect(
      await server.db.query('select patient_id from meetings where id = $1', [started.meetingId]),
    ).toEqual([{ patient_id: 'patient-demo' }]);
    expect(
      await server.db.query(
        `select actor_id, outcome from audit_events where meeting_id = $1 and action = 'meeting.ring'`,
        [started.meetingId],
      ),
    ).toEqual([{ actor_id: 'person-kari', outcome: 'success' }]);
  });

  it('times out a ring to a member who never answers, and clears their screen', async () => {
    const kari = await caller('person-kari');
    // This device never confirms that it shows the call, and nobody answers it.
    const ola = await connect('person-ola');
    const ended = nextEvent<{ ringId: string; reason: string }>(
      ola,
      'ring:ended',
      RING_TIMEOUT_MS + 3000,
    );
    const started = await ring(kari.socket, ['person-ola']);

    expect(await ended).toEqual({ ringId: started.ringId, reason: 'timeout' });
    expect(kari.updates).toEqual([
      { ringId: started.ringId, personId: 'person-ola', state: 'timeout' },
    ]);
    expect(await ask(ola, 'ring:answer', { ringId: started.ringId, accept: true })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('gives the meeting to one who accepts, stops their other devices ringing, and lets them join', async () => {
    const kari = await caller('person-kari');
    const phone = await device('person-ola');
    const laptop = await device('person-ola');
    const started = await ring(kari.socket, ['person-ola']);

    await expect.poll(() => laptop.rings).toHaveLength(1);

    const stopped = nextEvent<{ ringId: string; reason: string }>(laptop.socket, 'ring:ended');

    expect(
      await ask(phone.socket, 'ring:answer', { ringId: started.ringId, accept: true }),
    ).toEqual({ ok: true, data: { meetingId: started.meetingId } });
    expect(await stopped).toEqual({ ringId: started.ringId, reason: 'answered' });
    await expect
      .poll(() => kari.updates.at(-1))
      .toEqual({ ringId: started.ringId, personId: 'person-ola', state: 'accepted' });
    expect(
      await ask<JoinReply>(phone.socket, 'meeting:join', { meetingId: started.meetingId }),
    ).toMatchObject({ ok: true, data: { self: { personId: 'person-ola' } } });
  });

  it('reports a declined ring as declined', async () => {
    const kari = await caller('person-kari');
    const ingrid = await device('person-ingrid');
    const started = await ring(kari.socket, ['person-ingrid']);

    await expect.poll(() => ingrid.rings).toHaveLength(1);
    expect(
      await ask(ingrid.socket, 'ring:answer', { ringId: started.ringId, accept: false }),
    ).toMatchObject({ ok: true });
    await expect
      .poll(() => kari.updates.at(-1))
      .toEqual({ ringId: started.ringId, personId: 'person-ingrid', state: 'declined' });
  });

  it('lets the caller cancel, and tells everyone still rung', async () => {
    const kari = await caller('person-kari');
    const ola = await device('person-ola');
    const ingrid = await device('person-ingrid');
    const started = await ring(kari.socket, ['person-ola', 'person-ingrid']);

    await expect.poll(() => ola.rings.length + ingrid.rings.length).toBe(2);

    const endedForOla = nextEvent(ola.socket, 'ring:ended');
    const endedForIngrid = nextEvent(ingrid.socket, 'ring:ended');

    expect(await ask(kari.socket, 'ring:cancel', { ringId: started.ringId })).toEqual({
      ok: true,
      data: {},
    });
    expect(await endedForOla).toEqual({ ringId: started.ringId, reason: 'cancelled' });
    expect(await endedForIngrid).toEqual({ ringId: started.ringId, reason: 'cancelled' });
    expect(kari.updates.filter((u) => u.state === 'cancelled').map((u) => u.personId)).toEqual([
      'person-ola',
      'person-ingrid',
    ]);
  });

  it('cancels the calls of a caller whose connection closes', async () => {
    const kari = await caller('person-kari');
    const ola = await device('person-ola');

    await ring(kari.socket, ['person-ola']);
    await expect.poll(() => ola.rings).toHaveLength(1);

    const ended = nextEvent<{ reason: string }>(ola.socket, 'ring:ended');

    kari.socket.close();
    expect(await ended).toMatchObject({ reason: 'cancelled' });
  });

  it('lets nobody but the caller cancel a ring', async () => {
    const kari = await caller('person-kari');
    const ola = await device('person-ola');
    const started = await ring(kari.socket, ['person-ola']);

    expect(await ask(ola.socket, 'ring:cancel', { ringId: started.ringId })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('lets only team members of the patient start a call, and audits a refusal', async () => {
    const patient = await connect('person-astrid');
    const stranger = await connect('person-stranger');

    for (const socket of [patient, stranger]) {
      expect(
        await ask(socket, 'ring:start', { patientId: 'patient-demo', personIds: ['person-ola'] }),
      ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(
      await server.db.query(
        `select actor_id from audit_events
          where action = 'meeting.ring' and outcome = 'denied'
            and actor_id in ('person-astrid', 'person-stranger') order by id`,
      ),
    ).toEqual([{ actor_id: 'person-astrid' }, { actor_id: 'person-stranger' }]);
  });

  it('rings only people of the patient care, and never the caller', async () => {
    const kari = await connect('person-kari');

    for (const personIds of [['person-stranger'], ['person-kari']]) {
      expect(await ask(kari, 'ring:start', { patientId: 'patient-demo', personIds })).toMatchObject(
        { ok: false, error: { code: 'invalid_request' } },
      );
    }
  });

  it('calls with a link made for one meeting into that meeting only', async () => {
    const kari = await caller('person-kari', { meetingId: 'demo' });
    // Connected only with a link for another meeting: this device cannot join the call.
    await device('person-per', { meetingId: 'another-meeting' });

    const ola = await device('person-ola', { meetingId: 'demo' });

    expect(
      await ask(kari.socket, 'ring:start', {
        patientId: 'patient-demo',
        personIds: ['person-ola'],
      }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const started = await ring(kari.socket, ['person-ola', 'person-per'], 'demo');

    expect(started.meetingId).toBe('demo');
    expect(started.calls.map((c) => c.state)).toEqual(['calling', 'offline']);
    await expect.poll(() => ola.rings.map((r) => r.meetingId)).toEqual(['demo']);
  });
});

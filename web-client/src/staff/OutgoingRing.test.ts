import type { RingStarted } from '@teamrom/signaling/protocol';
import { describe, expect, it } from 'vitest';

import { FakeSocket } from '../testing/FakeSocket.ts';
import { OutgoingRing } from './OutgoingRing.ts';

const started: RingStarted = {
  ringId: 'r1',
  meetingId: 'm1',
  expiresAt: new Date(Date.now() + 45_000).toISOString(),
  calls: [
    { personId: 'p-ola', displayName: 'Ola Test', role: 'physician', state: 'calling' },
    { personId: 'p-per', displayName: 'Per Test', role: 'gp', state: 'offline' },
  ],
};

async function startRing(socket: FakeSocket, ring: OutgoingRing) {
  const meeting = ring.start('patient-1', ['p-ola', 'p-per']);

  socket.last('ring:start').ack({ ok: true, data: started });

  return meeting;
}

describe('a call a team member makes', () => {
  it('rings into the meeting the server made, and shows each person’s state', async () => {
    const socket = new FakeSocket();
    const ring = new OutgoingRing(socket.asSocket);

    await expect(startRing(socket, ring)).resolves.toBe('m1');
    expect(ring.state.get()).toMatchObject({ status: 'ringing', meetingId: 'm1' });

    socket.receive('ring:update', { ringId: 'r1', personId: 'p-ola', state: 'ringing' });
    expect(ring.state.get().status).toBe('ringing');

    socket.receive('ring:update', { ringId: 'r1', personId: 'p-ola', state: 'timeout' });
    expect(ring.state.get().calls.map((c) => c.state)).toEqual(['timeout', 'offline']);
    expect(ring.state.get().status).toBe('over');
  });

  it('ignores news of another call', async () => {
    const socket = new FakeSocket();
    const ring = new OutgoingRing(socket.asSocket);

    await startRing(socket, ring);
    socket.receive('ring:update', { ringId: 'other', personId: 'p-ola', state: 'accepted' });

    expect(ring.state.get().calls[0]!.state).toBe('calling');
  });

  it('counts as stopped when the connection drops, as the server stops it then', async () => {
    const socket = new FakeSocket();
    const ring = new OutgoingRing(socket.asSocket);

    await startRing(socket, ring);
    socket.connected = false;
    socket.receive('disconnect', 'transport close');

    expect(ring.state.get()).toMatchObject({ status: 'over' });
    expect(ring.state.get().calls.map((c) => c.state)).toEqual(['cancelled', 'offline']);
  });

  it('says why it could not start', async () => {
    const socket = new FakeSocket();
    const ring = new OutgoingRing(socket.asSocket);
    const meeting = ring.start('patient-1', ['p-ola']);

    socket.last('ring:start').ack({ ok: false, error: { code: 'forbidden', message: 'no' } });

    await expect(meeting).resolves.toBeNull();
    expect(ring.state.get()).toMatchObject({ status: 'failed', problem: 'errors.forbidden' });
  });
});

import type { IncomingRing } from '@teamrom/signaling/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { FakeSocket } from '../testing/FakeSocket.ts';
import { RingInbox } from './RingInbox.ts';

const ring = (ringId: string, secondsLeft = 45): IncomingRing => ({
  ringId,
  meetingId: `meeting-${ringId}`,
  patientId: 'patient-1',
  patientName: 'Astrid Test',
  from: { personId: 'p-kari', displayName: 'Kari Test', role: 'coordinator', organisation: null },
  expiresAt: new Date(Date.now() + secondsLeft * 1000).toISOString(),
});

describe('calls ringing a team member', () => {
  let socket: FakeSocket;
  let inbox: RingInbox;

  beforeEach(() => {
    vi.useFakeTimers();
    socket = new FakeSocket();
    inbox = new RingInbox(socket.asSocket);
  });

  afterEach(() => vi.useRealTimers());

  it('are shown and confirmed to the caller as shown', () => {
    const ack = vi.fn();

    socket.receive('ring:incoming', ring('r1'), ack);

    expect(inbox.state.get().rings.map((r) => r.ringId)).toEqual(['r1']);
    expect(ack).toHaveBeenCalledWith({});
  });

  it('go away when the caller stops, or another device answers', () => {
    socket.receive('ring:incoming', ring('r1'), vi.fn());
    socket.receive('ring:ended', { ringId: 'r1', reason: 'cancelled' });

    expect(inbox.state.get().rings).toEqual([]);
  });

  it('go away by themselves when they run out, also if the end is never heard of', () => {
    socket.receive('ring:incoming', ring('r1', 45), vi.fn());
    vi.advanceTimersByTime(44_000);
    expect(inbox.state.get().rings).toHaveLength(1);

    vi.advanceTimersByTime(2_000);
    expect(inbox.state.get().rings).toEqual([]);
  });

  it('stay long enough to be seen on a device whose clock runs ahead', () => {
    socket.receive('ring:incoming', ring('r1', -300), vi.fn());

    expect(inbox.state.get().rings).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    expect(inbox.state.get().rings).toEqual([]);
  });

  it('lead to the meeting when accepted, and are gone once answered', async () => {
    socket.receive('ring:incoming', ring('r1'), vi.fn());

    const answered = inbox.answer('r1', true);

    expect(socket.last('ring:answer').payload).toEqual({ ringId: 'r1', accept: true });
    socket.last('ring:answer').ack({ ok: true, data: { meetingId: 'meeting-r1' } });

    await expect(answered).resolves.toBe('meeting-r1');
    expect(inbox.state.get().rings).toEqual([]);
  });

  it('say so when the call ended before the answer arrived', async () => {
    socket.receive('ring:incoming', ring('r1'), vi.fn());

    const answered = inbox.answer('r1', true);

    socket
      .last('ring:answer')
      .ack({ ok: false, error: { code: 'not_found', message: 'this call has ended' } });

    await expect(answered).resolves.toBeNull();
    expect(inbox.state.get()).toMatchObject({ rings: [], problem: 'ring.gone' });
  });
});

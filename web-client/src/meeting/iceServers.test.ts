import { EventEmitter } from 'node:events';

import type { types } from 'mediasoup-client';
import type { Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { IceServersReply } from '@teamrom/signaling/protocol';

import { keepIceServersFresh } from './iceServers.ts';

/** Answers every media:iceServers request at once with credentials numbered from 1. */
class FakeSocket {
  connected = true;
  asked = 0;
  isFailing = false;

  emit(event: string, _payload: unknown, ack: (reply: unknown) => void): void {
    if (event !== 'media:iceServers') throw new Error(`unexpected ${event}`);

    this.asked++;
    if (this.isFailing) ack({ ok: false, error: { code: 'internal', message: 'down' } });
    else ack({ ok: true, data: reply(`credential-${this.asked}`, 100) });
  }

  once(): void {}
  off(): void {}
}

class FakeTransport {
  closed = false;
  readonly observer = new EventEmitter();
  readonly updateIceServers = vi.fn(async (_: { iceServers: RTCIceServer[] }) => {});

  close(): void {
    this.closed = true;
    this.observer.emit('close');
  }
}

function reply(credential: string, ttlSeconds: number | null): IceServersReply {
  return {
    iceServers:
      ttlSeconds === null
        ? []
        : [{ urls: ['turn:turn.example:3478?transport=udp'], username: '1:peer', credential }],
    iceTransportPolicy: 'all',
    expiresAt: null,
    ttlSeconds,
  };
}

describe('keepIceServersFresh', () => {
  let socket: FakeSocket;
  let transport: FakeTransport;

  const keep = (ice: IceServersReply) =>
    keepIceServersFresh(socket as unknown as Socket, transport as unknown as types.Transport, ice);
  const credentialsGiven = () =>
    transport.updateIceServers.mock.calls.map(([{ iceServers }]) => iceServers[0]!.credential);

  beforeEach(() => {
    vi.useFakeTimers();
    socket = new FakeSocket();
    transport = new FakeTransport();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the transport fresh credentials at three quarters of their life, again and again', async () => {
    keep(reply('credential-0', 100));

    await vi.advanceTimersByTimeAsync(74_999);
    expect(socket.asked).toBe(0);

    await vi.advanceTimersByTimeAsync(1);
    expect(credentialsGiven()).toEqual(['credential-1']);

    await vi.advanceTimersByTimeAsync(75_000);
    expect(credentialsGiven()).toEqual(['credential-1', 'credential-2']);
  });

  it('tries again later when the server cannot answer', async () => {
    socket.isFailing = true;
    keep(reply('credential-0', 100));

    await vi.advanceTimersByTimeAsync(75_000);
    expect(transport.updateIceServers).not.toHaveBeenCalled();

    socket.isFailing = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(credentialsGiven()).toEqual(['credential-2']);
  });

  it('stops once the transport closes', async () => {
    keep(reply('credential-0', 100));
    transport.close();

    await vi.advanceTimersByTimeAsync(1_000_000);
    expect(socket.asked).toBe(0);
  });

  it('renews nothing without TURN', async () => {
    keep(reply('unused', null));

    await vi.advanceTimersByTimeAsync(1_000_000);
    expect(socket.asked).toBe(0);
  });
});

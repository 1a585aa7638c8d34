import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { LocalMediaNode } from './LocalMediaNode.ts';
import type { PeerRef, WebRtcTransportInfo } from './MediaNode.ts';
import { iceCheck, iceCheckTcp } from './testing/stun.ts';

const PEER: PeerRef = { roomId: 'room-ice', peerId: 'patient' };

let node: LocalMediaNode;

beforeEach(async () => {
  node = await LocalMediaNode.create(
    { numWorkers: 1, rtcMinPort: 31900, rtcMaxPort: 31999 },
    pino({ level: 'silent' }),
  );
  await node.openRoom(PEER.roomId);
});

afterEach(async () => {
  await node.close();
});

function candidate(transport: WebRtcTransportInfo, protocol: 'udp' | 'tcp') {
  const found = transport.iceCandidates.find((c) => c.protocol === protocol);

  if (!found) throw new Error(`no ${protocol} candidate`);

  return { ip: found.ip, port: found.port };
}

describe('an ICE restart', () => {
  it('gives credentials that reach the same transport over UDP and over TCP', async () => {
    const transport = await node.createWebRtcTransport({ ...PEER, direction: 'recv' });
    const udp = candidate(transport, 'udp');
    const tcp = candidate(transport, 'tcp');

    expect(await iceCheck(udp, transport.iceParameters)).toBe('success');
    expect(await iceCheckTcp(tcp, transport.iceParameters)).toBe('success');

    const restarted = await node.restartIce({ ...PEER, transportId: transport.id });

    expect(restarted.usernameFragment).not.toBe(transport.iceParameters.usernameFragment);
    expect(await iceCheck(udp, restarted)).toBe('success');
    expect(await iceCheckTcp(tcp, restarted)).toBe('success');
    expect(await iceCheckTcp(tcp, { ...restarted, password: 'wrong' })).toBe('error');
    expect((await node.describePeer(PEER)).transports).toEqual([
      expect.objectContaining({ transportId: transport.id, iceState: 'connected' }),
    ]);
  });

  it('can be repeated, each time for the newest credentials', async () => {
    const transport = await node.createWebRtcTransport({ ...PEER, direction: 'send' });
    const tcp = candidate(transport, 'tcp');
    let latest = transport.iceParameters;

    for (let i = 0; i < 3; i++) {
      latest = await node.restartIce({ ...PEER, transportId: transport.id });
      expect(await iceCheckTcp(tcp, latest), `restart ${i + 1}`).toBe('success');
    }
  });
});

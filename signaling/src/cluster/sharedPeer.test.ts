import { describe, expect, it } from 'vitest';

import type { SharedPeer } from './SharedRoster.ts';
import { matchesResumeKey, resumeKeyHash } from './SharedRoster.ts';
import { parseSharedPeer } from './sharedPeerCodec.ts';

const peer: SharedPeer = {
  peerId: 'peer-1',
  meetingId: 'meeting-1',
  nodeId: 'signal-a',
  actor: {
    personId: 'person-kari',
    displayName: 'Kari',
    role: 'coordinator',
    organisationId: null,
    organisation: null,
    patientId: 'patient-demo',
  },
  joinedAt: 1_700_000_000_000,
  producers: [
    { producerId: 'p1', peerId: 'peer-1', kind: 'audio', source: 'microphone', paused: true },
  ],
  resumeKeyHash: resumeKeyHash('the-key'),
};

describe('participant records shared between signalling nodes', () => {
  it('reads back what a node wrote', () => {
    expect(parseSharedPeer(JSON.stringify(peer))).toEqual(peer);
  });

  it('skips a record that is not JSON, misses a field or holds an unknown role or source', () => {
    expect(parseSharedPeer('{')).toBeNull();
    expect(parseSharedPeer(JSON.stringify({ ...peer, nodeId: undefined }))).toBeNull();
    expect(
      parseSharedPeer(JSON.stringify({ ...peer, actor: { ...peer.actor, role: 'admin' } })),
    ).toBeNull();
    expect(
      parseSharedPeer(
        JSON.stringify({ ...peer, producers: [{ ...peer.producers[0], source: 'tv' }] }),
      ),
    ).toBeNull();
  });

  it('matches the resume key whose hash it holds, and no other', () => {
    expect(matchesResumeKey(peer, 'the-key')).toBe(true);
    expect(matchesResumeKey(peer, 'the-kez')).toBe(false);
    expect(matchesResumeKey(peer, '')).toBe(false);
    // The record holds no key, only its hash.
    expect(JSON.stringify(peer)).not.toContain('the-key');
  });
});

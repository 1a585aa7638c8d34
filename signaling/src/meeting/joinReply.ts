import type { SharedPeer } from '../cluster/SharedRoster.ts';
import type { JoinReply, PeerInfo, RtpCapabilities } from '../protocol/index.ts';
import type { Peer } from './Peer.ts';

/**
 * What a peer is told on coming into its meeting, or back into it. `elsewhere`: the participants
 * other signalling nodes hold (none for a single node).
 */
export function joinReply(
  peer: Peer,
  routerRtpCapabilities: unknown,
  elsewhere: readonly SharedPeer[] = [],
): JoinReply {
  const meeting = peer.meeting;

  return {
    self: peer.info(),
    patientId: meeting.patientId,
    carePlanId: meeting.carePlanId,
    // mediasoup's types are wider (plain strings) than the protocol's enums; the values are the same.
    routerRtpCapabilities: routerRtpCapabilities as RtpCapabilities,
    peers: [
      ...meeting
        .peers()
        .filter((p) => p !== peer)
        .map((p) => p.info()),
      ...elsewhere.filter((p) => p.peerId !== peer.id).map(sharedPeerInfo),
    ],
    resumeKey: peer.resumeKey,
    activeSpeakerPeerId: meeting.activeSpeakerId,
  };
}

/** A participant of another node as a client sees it. */
export function sharedPeerInfo(peer: SharedPeer): PeerInfo {
  return {
    peerId: peer.peerId,
    personId: peer.actor.personId,
    displayName: peer.actor.displayName,
    role: peer.actor.role,
    organisation: peer.actor.organisation,
    producers: peer.producers,
  };
}

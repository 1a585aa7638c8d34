import type { JoinReply, RtpCapabilities } from '../protocol/index.ts';
import type { Peer } from './Peer.ts';

/** What a peer is told on coming into its meeting, or back into it. */
export function joinReply(peer: Peer, routerRtpCapabilities: unknown): JoinReply {
  const meeting = peer.meeting;

  return {
    self: peer.info(),
    patientId: meeting.patientId,
    carePlanId: meeting.carePlanId,
    // mediasoup's types are wider (plain strings) than the protocol's enums; the values are the same.
    routerRtpCapabilities: routerRtpCapabilities as RtpCapabilities,
    peers: meeting
      .peers()
      .filter((p) => p !== peer)
      .map((p) => p.info()),
    resumeKey: peer.resumeKey,
    activeSpeakerPeerId: meeting.activeSpeakerId,
  };
}

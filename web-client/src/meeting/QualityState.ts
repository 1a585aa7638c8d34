import type { ConsumerLayers, QualityLevel } from '@teamrom/signaling/protocol';

import { Store } from '../lib/Store.ts';
import type { BandwidthAdvice, LowBandwidthState } from './LowBandwidth.ts';
import {
  LOW_BANDWIDTH_OFF,
  NO_ADVICE,
  adviseLowBandwidth,
  chooseLowBandwidth,
} from './LowBandwidth.ts';
import type { TeamromSocket } from './MeetingSession.ts';

export interface QualitySnapshot {
  /** Who speaks now, from the join reply and `speaker:active`. */
  activeSpeakerPeerId: string | null;
  /** Who spoke before, for the speaker view while this person speaks. */
  previousSpeakerPeerId: string | null;
  /** Each participant's link, this person's own included, from `media:quality`. */
  levels: Record<string, QualityLevel>;
  /** What each video consumer forwards now; null while it forwards nothing. */
  layers: Record<string, ConsumerLayers | null>;
  lowBandwidth: LowBandwidthState;
  /** What the server's last report advised for this person: low-bandwidth mode, audio only. */
  advice: BandwidthAdvice;
}

/**
 * Who is speaking and how well everyone is connected, as the server reports it, and whether this
 * person receives in low-bandwidth mode. Lives beside the session and listens on its socket.
 */
export class QualityState {
  readonly state = new Store<QualitySnapshot>({
    activeSpeakerPeerId: null,
    previousSpeakerPeerId: null,
    levels: {},
    layers: {},
    lowBandwidth: LOW_BANDWIDTH_OFF,
    advice: NO_ADVICE,
  });

  constructor(socket: TeamromSocket, selfPeerId: () => string | null) {
    socket.on('speaker:active', ({ peerId }) => this.setActiveSpeaker(peerId));
    socket.on('consumer:layers', ({ consumerId, layers }) =>
      this.state.update((s) => ({ ...s, layers: { ...s.layers, [consumerId]: layers } })),
    );
    socket.on('media:quality', ({ peers }) => {
      const self = peers.find((p) => p.peerId === selfPeerId());
      const levels = Object.fromEntries(peers.map((p) => [p.peerId, p.level]));

      this.state.update((s) => {
        const advice = self
          ? {
              isAdvised: self.isLowBandwidthAdvised,
              isAudioOnly: self.isLowBandwidthAdvised && self.isAudioOnlyAdvised,
            }
          : s.advice;

        return {
          ...s,
          levels,
          advice,
          lowBandwidth: adviseLowBandwidth(s.lowBandwidth, advice),
        };
      });
    });
  }

  setActiveSpeaker(peerId: string | null): void {
    this.state.update((s) =>
      s.activeSpeakerPeerId === peerId
        ? s
        : { ...s, activeSpeakerPeerId: peerId, previousSpeakerPeerId: s.activeSpeakerPeerId },
    );
  }

  /** The user's own choice; it overrides the automatic one. */
  setLowBandwidth(on: boolean): void {
    this.state.update((s) => ({
      ...s,
      lowBandwidth: chooseLowBandwidth(s.lowBandwidth, on, s.advice),
    }));
  }

  forgetConsumer(consumerId: string): void {
    this.state.update((s) => ({
      ...s,
      layers: Object.fromEntries(Object.entries(s.layers).filter(([id]) => id !== consumerId)),
    }));
  }
}

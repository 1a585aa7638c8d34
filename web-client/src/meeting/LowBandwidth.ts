/*
 * Low-bandwidth mode: audio first, one low video layer, thumbnails off. The user can pick it; it
 * also turns on by itself when the server advises it (the participant's downlink has stayed poor),
 * and off again by itself only if it came on by itself.
 *
 * Audio only is the mode's second step: when the server advises it (the downlink stayed poor with
 * the mode advised), every received video pauses, so that the sound keeps the whole link. It
 * applies whenever the mode is on, also when the user chose the mode: audio first is what the mode
 * promises. A user who turned the mode off under the advice gets neither. The server lifts audio
 * only by itself after a back-off, back to one low video layer, and the pictures come back.
 */

/** The server's advice for this participant, from its latest `media:quality` report. */
export interface BandwidthAdvice {
  isAdvised: boolean;
  /** Every video paused; only with `isAdvised`. */
  isAudioOnly: boolean;
}

export const NO_ADVICE: BandwidthAdvice = { isAdvised: false, isAudioOnly: false };

export interface LowBandwidthState {
  isOn: boolean;
  /** On because the server advised it, not because the user chose it. */
  isAuto: boolean;
  /**
   * The user turned it off while the advice stood: do not turn it on again until the advice has
   * lifted and comes back.
   */
  isDeclined: boolean;
  /** On, and the server advises audio only: every received video is paused. */
  isAudioOnly: boolean;
}

export const LOW_BANDWIDTH_OFF: LowBandwidthState = {
  isOn: false,
  isAuto: false,
  isDeclined: false,
  isAudioOnly: false,
};

/** The user switched the mode. */
export function chooseLowBandwidth(
  state: LowBandwidthState,
  on: boolean,
  advice: BandwidthAdvice,
): LowBandwidthState {
  return {
    isOn: on,
    isAuto: false,
    isDeclined: !on && advice.isAdvised,
    isAudioOnly: on && advice.isAdvised && advice.isAudioOnly,
  };
}

/**
 * A quality report arrived with the server's advice for this participant. The server already
 * waits for several poor reports before it advises, and for several better ones before it lifts
 * the advice (longer still for audio only), so one report is enough here in both directions.
 */
export function adviseLowBandwidth(
  state: LowBandwidthState,
  advice: BandwidthAdvice,
): LowBandwidthState {
  const isAudioOnly = advice.isAdvised && advice.isAudioOnly;

  if (!advice.isAdvised) {
    if (state.isOn && state.isAuto) return LOW_BANDWIDTH_OFF;

    return state.isDeclined || state.isAudioOnly
      ? { ...state, isDeclined: false, isAudioOnly: false }
      : state;
  }
  if (state.isDeclined) return state;
  if (state.isOn) return state.isAudioOnly === isAudioOnly ? state : { ...state, isAudioOnly };

  return { isOn: true, isAuto: true, isDeclined: false, isAudioOnly };
}

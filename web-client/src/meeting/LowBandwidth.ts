/*
 * Low-bandwidth mode: audio first, one low video layer, thumbnails off. The user can pick it; it
 * also turns on by itself when the server advises it (the participant's downlink has stayed poor),
 * and off again by itself only if it came on by itself.
 */

export interface LowBandwidthState {
  isOn: boolean;
  /** On because the server advised it, not because the user chose it. */
  isAuto: boolean;
  /**
   * The user turned it off while the advice stood: do not turn it on again until the advice has
   * lifted and comes back.
   */
  isDeclined: boolean;
}

export const LOW_BANDWIDTH_OFF: LowBandwidthState = {
  isOn: false,
  isAuto: false,
  isDeclined: false,
};

/** The user switched the mode. */
export function chooseLowBandwidth(
  state: LowBandwidthState,
  on: boolean,
  isAdvised: boolean,
): LowBandwidthState {
  return { isOn: on, isAuto: false, isDeclined: !on && isAdvised };
}

/**
 * A quality report arrived with the server's advice for this participant. The server already
 * waits for several poor reports before it advises, and for several better ones before it lifts
 * the advice, so one report is enough here in both directions.
 */
export function adviseLowBandwidth(
  state: LowBandwidthState,
  isAdvised: boolean,
): LowBandwidthState {
  if (!isAdvised) {
    if (state.isOn && state.isAuto) return LOW_BANDWIDTH_OFF;

    return state.isDeclined ? { ...state, isDeclined: false } : state;
  }
  if (state.isOn || state.isDeclined) return state;

  return { isOn: true, isAuto: true, isDeclined: false };
}

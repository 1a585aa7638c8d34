/*
 * Which simulcast layer each received video should arrive in, and how much it matters when the
 * receiver's bandwidth runs short. Pure: the tile sizes and the mode come in, the wishes go out,
 * and ConsumerControl sends what changed.
 */

/** How a video is shown: the large tile of the speaker view, a grid tile, or a thumbnail. */
export type TileRole = 'main' | 'tile' | 'thumbnail';

/** Tiles up to this height (CSS pixels) get spatial layer 0, then 1; taller ones layer 2. */
export const LAYER_HEIGHTS = [180, 360] as const;

/** Priorities of `media:setConsumerPriority`: what is looked at keeps its bandwidth first. */
export const PRIORITY = { main: 255, tile: 128, thumbnail: 1 } as const;

export interface ConsumerWish {
  isPaused: boolean;
  spatialLayer: number;
  /** Undefined: the full frame rate of that layer. */
  temporalLayer?: number;
  priority: number;
}

/**
 * The spatial layer that fits a tile `height` pixels tall, among `spatialLayers` layers (the
 * consumer's `layers.spatial`; 1 or less for a single stream, which has only layer 0).
 */
export function spatialLayerFor(height: number, spatialLayers: number): number {
  const fitting = LAYER_HEIGHTS.findIndex((limit) => height <= limit);
  const wanted = fitting === -1 ? LAYER_HEIGHTS.length : fitting;

  return Math.max(0, Math.min(wanted, spatialLayers - 1));
}

/**
 * What one video consumer should do. In low-bandwidth mode only the main video goes on, in its
 * lowest layer and frame rate; the others pause until the mode ends. In its audio-only step every
 * video pauses, the main one too, and a shared screen with it: even one low layer did not fit
 * beside the sound, and a screen's key frames come in bursts that a slow link drops. The sound
 * comes first; the pictures come back when the server lifts audio only. A thumbnail always takes
 * the smallest layer, whatever its drawn size (a device pixel ratio can make it look taller).
 */
export function wishFor(options: {
  role: TileRole;
  height: number;
  spatialLayers: number;
  isLowBandwidth: boolean;
  /** Low-bandwidth mode's audio-only step; only counts with `isLowBandwidth`. */
  isAudioOnly: boolean;
}): ConsumerWish {
  const { role, height, spatialLayers, isLowBandwidth, isAudioOnly } = options;
  const priority = PRIORITY[role];

  if (isLowBandwidth && isAudioOnly) {
    return { isPaused: true, spatialLayer: 0, temporalLayer: 0, priority };
  }
  if (isLowBandwidth) {
    return role === 'main'
      ? { isPaused: false, spatialLayer: 0, temporalLayer: 0, priority }
      : { isPaused: true, spatialLayer: 0, temporalLayer: 0, priority };
  }

  const spatialLayer = role === 'thumbnail' ? 0 : spatialLayerFor(height, spatialLayers);

  return { isPaused: false, spatialLayer, priority };
}

import { z } from 'zod';

import { idSchema } from './media.ts';

/*
 * What a participant receives, and how well. A client asks for the simulcast layer that fits the
 * size a video is drawn at, pauses the videos it does not show (thumbnails off in low-bandwidth
 * mode), and ranks its consumers so that what matters most keeps its bandwidth when it runs
 * short. The server forwards within the bandwidth the receiver has; `consumer:layers` says what it
 * actually forwards.
 */

/** One spatial and temporal layer of a simulcast or SVC video, each counted from 0 (lowest). */
export interface ConsumerLayers {
  spatialLayer: number;
  temporalLayer: number;
}

/** How many layers a consumer can be switched between, as `media:consume` reports it. */
export interface LayerCounts {
  spatial: number;
  temporal: number;
}

const layer = z.number().int().min(0).max(15);

export const consumerRequestSchemas = {
  /**
   * The layer a video should arrive in when bandwidth allows: spatial 0 is the smallest picture.
   * Without `temporalLayer`, the full frame rate of that layer. Layers the consumer does not have
   * (see `layers` in the reply to `media:consume`) are refused with `invalid_request`.
   */
  'media:setPreferredLayers': z.object({
    consumerId: idSchema,
    spatialLayer: layer,
    temporalLayer: layer.optional(),
  }),
  /**
   * 1-255 (default 1): when the receiver's bandwidth is short, consumers of higher priority keep
   * their layers first; give the speaker's or the pinned video the highest.
   */
  'media:setConsumerPriority': z.object({
    consumerId: idSchema,
    priority: z.number().int().min(1).max(255),
  }),
  /** Stops a consumer without closing it (a video not shown); `media:resumeConsumer` restarts it. */
  'media:pauseConsumer': z.object({ consumerId: idSchema }),
} as const;

export interface ConsumerReplies {
  'media:setPreferredLayers': Record<string, never>;
  'media:setConsumerPriority': Record<string, never>;
  'media:pauseConsumer': Record<string, never>;
}

export interface ConsumerEvents {
  /**
   * The layers one of this client's consumers forwards changed: after a preference changed, when
   * bandwidth went up or down, or null while it forwards nothing (paused, or too little bandwidth).
   */
  'consumer:layers': (event: { consumerId: string; layers: ConsumerLayers | null }) => void;
}

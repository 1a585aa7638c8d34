import { z } from 'zod';

import type { JoinReply } from './events.ts';
import { idSchema } from './media.ts';

/*
 * Coming back after a dropped connection as the same participant. A peer whose connection drops
 * without leaving is kept for a grace period (RESUME_GRACE_SECONDS, 20 s by default), media and
 * all; the others see nothing happen. Socket.io usually restores the connection by itself within
 * that time (`socket.recovered` on the client), replaying every event missed, and there is nothing
 * to do. When it cannot (a new page, or a restored session refused), the client presents the resume
 * key from its join reply on a new connection with `meeting:resume`, and reconciles its state with
 * the reply.
 */

/** The resume key: 32 random bytes, base64url. It works for its person and meeting only. */
const resumeKey = z
  .string()
  .length(43)
  .regex(/^[A-Za-z0-9_-]+$/);

export const resumeRequestSchemas = {
  /**
   * Takes the participant back on this connection. `keepMedia: false` (a reloaded page, which has
   * lost its transports) closes the participant's media on the server first, telling the others
   * `producer:closed`, so that the client sets it up anew; the default keeps it, and the client
   * restarts ICE on transports that lost their connection. Refused with `not_found` once the grace
   * period is over, or for a key that is not the caller's: then join again.
   */
  'meeting:resume': z.object({
    meetingId: idSchema,
    resumeKey,
    keepMedia: z.boolean().default(true),
  }),
} as const;

/** The participant's media as the server holds it, to reconcile with what the client holds. */
export interface MediaState {
  transports: {
    transportId: string;
    direction: 'send' | 'recv';
    /** `disconnected` (or `new` when it never connected): restart ICE with `media:restartIce`. */
    iceState: string;
    dtlsState: string;
  }[];
  /** Consumers that exist on the server; close local ones not listed, consume what is missing. */
  consumers: { consumerId: string; producerId: string; peerId: string; paused: boolean }[];
}

/**
 * The same as a join reply (with a new resume key: the old one is spent), plus the media this
 * participant has on the server. `self.producers` lists its producers; a local producer missing
 * there is gone and is produced again.
 */
export type ResumeReply = JoinReply & { media: MediaState };

export interface ResumeReplies {
  'meeting:resume': ResumeReply;
}

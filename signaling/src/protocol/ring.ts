import { z } from 'zod';

import { idSchema } from './media.ts';
import type { ParticipantRole } from './participants.ts';

/*
 * Ad-hoc calls: "start video meeting now" rings the chosen members of the patient's care who are
 * online. Each can accept or decline; a ring nobody answers ends after a while, and every screen
 * that showed it is told that it ended.
 */

/**
 * Where the call to one person stands. `calling`: sent to their devices; `ringing`: a device
 * confirmed that it shows the call. The others are final.
 */
export const RING_STATES = [
  'calling',
  'ringing',
  'accepted',
  'declined',
  'timeout',
  'offline',
  'cancelled',
] as const;
export type RingState = (typeof RING_STATES)[number];

export interface RingCall {
  personId: string;
  displayName: string;
  role: ParticipantRole;
  state: RingState;
}

export interface RingStarted {
  ringId: string;
  /** The meeting to join: the one named in the request, or a new one for this call. */
  meetingId: string;
  /** When unanswered calls end (ISO 8601). */
  expiresAt: string;
  /** One per person asked for: `calling`, or `offline` when none of their devices is connected. */
  calls: RingCall[];
}

export interface IncomingRing {
  ringId: string;
  meetingId: string;
  patientId: string;
  patientName: string;
  from: {
    personId: string;
    displayName: string;
    role: ParticipantRole;
    organisation: string | null;
  };
  /** The ring ends by itself at this time (ISO 8601), also if `ring:ended` never arrives. */
  expiresAt: string;
}

export type RingEndReason = 'timeout' | 'cancelled' | 'answered';

export const ringRequestSchemas = {
  /**
   * For a team member: rings people of the patient's care into a meeting now. Without
   * `meetingId`, a new meeting is made for the call; a link limited to one meeting rings only
   * into that meeting.
   */
  'ring:start': z.object({
    patientId: idSchema,
    personIds: z
      .array(idSchema)
      .min(1)
      .max(12)
      .refine((ids) => new Set(ids).size === ids.length, 'each person once'),
    meetingId: idSchema.optional(),
  }),
  /** For a person rung: accept (then join the meeting) or decline. */
  'ring:answer': z.object({ ringId: idSchema, accept: z.boolean() }),
  /** For the caller: stops ringing everyone who has not answered yet. */
  'ring:cancel': z.object({ ringId: idSchema }),
} as const;

export interface RingReplies {
  'ring:start': RingStarted;
  /** The meeting to join after accepting. */
  'ring:answer': { meetingId: string };
  'ring:cancel': Record<string, never>;
}

export interface RingEvents {
  /**
   * To every connected device of a person rung. Acknowledge once the call is shown; the caller
   * then sees `ringing`.
   */
  'ring:incoming': (ring: IncomingRing, ack: (shown: Record<string, never>) => void) => void;
  /** To the caller: the call to one person moved on. */
  'ring:update': (event: { ringId: string; personId: string; state: RingState }) => void;
  /**
   * To the devices of a person rung: stop showing the call (it timed out, was cancelled, or was
   * answered on another of their devices).
   */
  'ring:ended': (event: { ringId: string; reason: RingEndReason }) => void;
}

import { z } from 'zod';

import { mediaSourceSchema, PARTICIPANT_ROLES } from '../protocol/index.ts';
import type { SharedPeer } from './SharedRoster.ts';

const sharedPeerSchema = z.object({
  peerId: z.string().min(1),
  meetingId: z.string().min(1),
  nodeId: z.string().min(1),
  actor: z.object({
    personId: z.string(),
    displayName: z.string(),
    role: z.enum(PARTICIPANT_ROLES),
    organisationId: z.string().nullable(),
    organisation: z.string().nullable(),
    patientId: z.string(),
  }),
  joinedAt: z.number(),
  producers: z.array(
    z.object({
      producerId: z.string(),
      peerId: z.string(),
      kind: z.enum(['audio', 'video']),
      source: mediaSourceSchema,
      paused: z.boolean(),
    }),
  ),
  resumeKeyHash: z.string(),
});

/**
 * A participant record read back from Redis, checked: another node (perhaps of another version)
 * wrote it, and a record that does not fit is skipped rather than trusted. Null when unreadable.
 */
export function parseSharedPeer(json: string): SharedPeer | null {
  try {
    const parsed = sharedPeerSchema.safeParse(JSON.parse(json));

    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

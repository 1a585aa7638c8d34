import type { ParticipantRole } from '@teamrom/signaling/protocol';

/** What the client reads from an access token: never trusted, only used to choose what to show. */
export interface ReadClaims {
  sub: string;
  role: ParticipantRole;
  /** Present on tokens limited to one meeting (meeting links and personal-link sessions). */
  meetingId?: string;
  /** Expiry, seconds since the epoch. */
  exp?: number;
}

const STAFF_ROLES: readonly ParticipantRole[] = ['coordinator', 'physician', 'nurse', 'gp'];

/** Team members: they never wait, may skip the device check and see the staff pages. */
export function isStaffRole(role: ParticipantRole | null | undefined): boolean {
  return role !== null && role !== undefined && STAFF_ROLES.includes(role);
}

/** The token's claims, read without checking the signature (the server does that); null if unreadable. */
export function readClaims(token: string): ReadClaims | null {
  try {
    const payload = token.split('.')[1] ?? '';
    // The claims the client reads are ASCII: ids, a role, numbers.
    const claims = JSON.parse(
      atob(payload.replace(/-/g, '+').replace(/_/g, '/')),
    ) as Partial<ReadClaims>;

    if (typeof claims.sub !== 'string' || typeof claims.role !== 'string') return null;

    return claims as ReadClaims;
  } catch {
    return null;
  }
}

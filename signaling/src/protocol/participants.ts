/**
 * The roles a person can have in a meeting. The web client turns each into words ("pasient",
 * "lege", ...) together with the organisation.
 */
export const PARTICIPANT_ROLES = [
  'coordinator',
  'physician',
  'nurse',
  'gp',
  'patient',
  'relative',
  'interpreter',
] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

/** Claims of a Teamrom access token (a JWT signed by the signalling server). */
export interface TokenClaims {
  /** Person id. */
  sub: string;
  role: ParticipantRole;
  /** Meeting the token admits to; staff tokens without it may join any meeting of their patients. */
  meetingId?: string;
  /** Set on the links a demo hands out; refused once demo mode is off. */
  demo?: true;
  /**
   * The personal link a session was opened with: the session ends when that link is reissued or
   * its meeting cancelled.
   */
  linkId?: string;
}

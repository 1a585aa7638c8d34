import type { IntroductionsConfirmation, Roster } from '../protocol/index.ts';
import type { Meeting } from './Meeting.ts';

/**
 * Everyone in the meeting with name, role and organisation, in the order they came, marked with
 * whether the latest confirmation of introductions included them.
 */
export function rosterOf(
  meeting: Meeting,
  introductions: IntroductionsConfirmation | null,
): Roster {
  const introduced = new Set(introductions?.personIds ?? []);

  return {
    meetingId: meeting.id,
    leaderPeerId: meeting.leader()?.id ?? null,
    participants: meeting
      .peers()
      .sort((a, b) => a.joinedAt - b.joinedAt)
      .map((peer) => ({
        peerId: peer.id,
        personId: peer.actor.personId,
        displayName: peer.actor.displayName,
        role: peer.actor.role,
        organisation: peer.actor.organisation,
        joinedAt: new Date(peer.joinedAt).toISOString(),
        isIntroduced: introduced.has(peer.actor.personId),
      })),
    introductions,
  };
}

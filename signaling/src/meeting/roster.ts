import { isStaff } from '../access/CareTeamAccess.ts';
import type { Actor } from '../access/CareTeamAccess.ts';
import type { IntroductionsConfirmation, Roster } from '../protocol/index.ts';
import type { SharedPeer } from '../cluster/SharedRoster.ts';
import type { Meeting } from './Meeting.ts';

/** A participant on this node or on another node of the cluster, as the roster lists them. */
interface Member {
  peerId: string;
  actor: Actor;
  joinedAt: number;
}

/**
 * Everyone in the meeting with name, role and organisation, in the order they came, marked with
 * whether the latest confirmation of introductions included them. `elsewhere`: the participants
 * other signalling nodes hold (none for a single node).
 */
export function rosterOf(
  meeting: Meeting,
  introductions: IntroductionsConfirmation | null,
  elsewhere: readonly SharedPeer[] = [],
): Roster {
  const introduced = new Set(introductions?.personIds ?? []);
  const members: Member[] = [
    ...meeting.peers().map((p) => ({ peerId: p.id, actor: p.actor, joinedAt: p.joinedAt })),
    ...elsewhere,
  ].sort((a, b) => a.joinedAt - b.joinedAt);

  return {
    meetingId: meeting.id,
    leaderPeerId: leaderOf(members)?.peerId ?? null,
    participants: members.map((member) => ({
      peerId: member.peerId,
      personId: member.actor.personId,
      displayName: member.actor.displayName,
      role: member.actor.role,
      organisation: member.actor.organisation,
      joinedAt: new Date(member.joinedAt).toISOString(),
      isIntroduced: introduced.has(member.actor.personId),
    })),
    introductions,
  };
}

/** The coordinator when present, else the team member who came first (as Meeting.leader()). */
function leaderOf(members: readonly Member[]): Member | undefined {
  const team = members.filter((m) => isStaff(m.actor.role));

  return team.find((m) => m.actor.role === 'coordinator') ?? team[0];
}

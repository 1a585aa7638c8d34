import { z } from 'zod';

import type { JoinReply } from './events.ts';
import { idSchema } from './media.ts';
import type { ParticipantRole } from './participants.ts';

/*
 * The waiting room. Patients, relatives and interpreters who enter a meeting wait until a team
 * member lets them in; the team can talk first, let people in one at a time, and send someone
 * back to wait. Team members never wait.
 */

/** Someone in a meeting's waiting room, as the team sees them. */
export interface WaitingPerson {
  /** The id this person keeps as a peer once they are let in. */
  peerId: string;
  personId: string;
  displayName: string;
  role: ParticipantRole;
  organisation: string | null;
  /** When they began to wait (ISO 8601); a reload of their page keeps it. */
  waitingSince: string;
}

/** What a waiting person is told: on entering, on asking, and when it changes. */
export interface LobbyStatus {
  meetingId: string;
  peerId: string;
  waitingSince: string;
  /** The server's clock now, so that the time waited does not depend on the device's clock. */
  now: string;
  /** A team member is in the meeting and can let them in. */
  isTeamPresent: boolean;
  /** The patient's preferred language (`nb`, `en`, ...) when the waiting person is the patient. */
  language: string | null;
}

/** The reply to entering a meeting: either in it at once, like a join, or waiting. */
export type EnterReply = ({ status: 'joined' } & JoinReply) | ({ status: 'waiting' } & LobbyStatus);

export const lobbyRequestSchemas = {
  /**
   * Comes into a meeting through its waiting room: team members (and anyone let in before during
   * this meeting) join at once; others wait. `meeting:join` stays for those who never wait.
   */
  'meeting:enter': z.object({ meetingId: idSchema }),
  /** For the waiting person: how long they have waited, and whether the team is there. */
  'lobby:status': z.object({}),
  /** For a team member in the meeting: lets one waiting person in. */
  'lobby:admit': z.object({ peerId: idSchema }),
  /** For a team member in the meeting: sends a patient, relative or interpreter back to wait. */
  'lobby:return': z.object({ peerId: idSchema }),
} as const;

export interface LobbyReplies {
  'meeting:enter': EnterReply;
  'lobby:status': LobbyStatus;
  'lobby:admit': Record<string, never>;
  'lobby:return': Record<string, never>;
}

export interface LobbyEvents {
  /** To the team members in the meeting: who is waiting now, longest waiting first. */
  'lobby:changed': (event: { meetingId: string; waiting: WaitingPerson[] }) => void;
  /** To the waiting person: they are in. Set up media as after a join, with this reply. */
  'lobby:admitted': (reply: JoinReply) => void;
  /**
   * To a person sent back to wait: their media in the meeting is closed (drop transports,
   * producers and consumers); they wait again, as this says.
   */
  'lobby:returned': (status: LobbyStatus) => void;
  /** To a waiting person, when the team arrives or leaves. */
  'lobby:waiting': (status: LobbyStatus) => void;
}

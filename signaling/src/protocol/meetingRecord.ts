import { z } from 'zod';

import type { CarePlanAction, PlanDirectory, PlanNote } from './careplan.ts';
import { idSchema } from './media.ts';
import type { ParticipantRole } from './participants.ts';

/*
 * The roster shown at the start of a meeting, the leader's confirmation that everyone has been
 * introduced, and the record of a meeting afterwards.
 */

export interface RosterEntry {
  peerId: string;
  personId: string;
  displayName: string;
  role: ParticipantRole;
  organisation: string | null;
  joinedAt: string;
  /** On the list of the latest confirmation of introductions in this meeting. */
  isIntroduced: boolean;
}

export interface IntroductionsConfirmation {
  meetingId: string;
  confirmedBy: { personId: string; displayName: string; role: ParticipantRole };
  confirmedAt: string;
  /** Who was in the meeting when the leader confirmed. */
  personIds: string[];
}

export interface Roster {
  meetingId: string;
  /** The coordinator when present, else the team member in the meeting longest; null if none. */
  leaderPeerId: string | null;
  participants: RosterEntry[];
  /** The latest confirmation since the meeting began, or null. */
  introductions: IntroductionsConfirmation | null;
}

export interface AttendanceEntry {
  personId: string;
  displayName: string;
  role: ParticipantRole;
  organisation: string | null;
  joinedAt: string;
  leftAt: string | null;
  leaveReason: 'left' | 'disconnected' | 'replaced' | 'media_lost' | 'returned' | null;
}

export interface MeetingRecord {
  meetingId: string;
  patientId: string;
  title: string;
  createdAt: string;
  /** Every stay in the meeting, in the order they began. */
  attendance: AttendanceEntry[];
  introductions: IntroductionsConfirmation[];
  /** Notes and decisions written in the care plan for this meeting. */
  notes: PlanNote[];
  /** Plan actions added by someone while they were in this meeting, as they stand now. */
  actions: CarePlanAction[];
  /**
   * The names behind the ids in `notes` and `actions`: their authors, and the persons (with their
   * organisation) and organisations responsible for the actions. No one else.
   */
  directory: PlanDirectory;
}

export const meetingRecordRequestSchemas = {
  /** For anyone in a meeting: every participant's name, role and organisation. */
  'meeting:roster': z.object({}),
  /** For the meeting leader: everyone present has been introduced. Recorded. */
  'meeting:confirmIntroductions': z.object({}),
  /** For team members who may read the patient's plan: the record of a meeting. */
  'meeting:record': z.object({ meetingId: idSchema }),
} as const;

export interface MeetingRecordReplies {
  'meeting:roster': Roster;
  'meeting:confirmIntroductions': IntroductionsConfirmation;
  'meeting:record': MeetingRecord;
}

export interface MeetingRecordEvents {
  /** To everyone in the meeting: the leader confirmed the introductions. */
  'meeting:introductions': (confirmation: IntroductionsConfirmation) => void;
}

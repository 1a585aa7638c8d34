import type {
  Invitee,
  ParticipantInput,
  RescheduleMeeting,
  ScheduledMeeting,
  ScheduleMeeting,
} from '@teamrom/signaling/protocol';

import type { Recurrence } from '../lib/rrule.ts';
import { NO_RECURRENCE, fromRrule, toRrule } from '../lib/rrule.ts';

export interface DraftParticipant {
  isInvited: boolean;
  required: boolean;
  /** For an interpreter: the language they interpret (ISO 639 code). */
  interpreterLanguage: string;
}

/** What the schedule form holds, before it becomes a request. */
export interface ScheduleDraft {
  purpose: string;
  /** Wall-clock start in Oslo: `2027-03-29T10:00`. */
  start: string;
  durationMinutes: number;
  recurrence: Recurrence;
  /** A stored rule the form cannot show; kept as it is unless the person picks another. */
  otherRrule: string | null;
  participants: Record<string, DraftParticipant>;
}

export function newDraft(invitees: Invitee[], organiserId: string, start: string): ScheduleDraft {
  return {
    purpose: '',
    start,
    durationMinutes: 45,
    recurrence: NO_RECURRENCE,
    otherRrule: null,
    participants: Object.fromEntries(
      invitees.map((i) => [
        i.personId,
        {
          isInvited: i.role === 'patient' || i.personId === organiserId,
          required: true,
          interpreterLanguage: '',
        },
      ]),
    ),
  };
}

/** The form filled in with a scheduled meeting, to change it. */
export function draftOf(meeting: ScheduledMeeting, invitees: Invitee[]): ScheduleDraft {
  const recurrence = fromRrule(meeting.rrule);
  const invited = new Map(meeting.participants.map((p) => [p.personId, p]));

  return {
    purpose: meeting.purpose ?? '',
    start: meeting.localStart ?? '',
    durationMinutes: meeting.durationMinutes ?? 45,
    recurrence: recurrence ?? NO_RECURRENCE,
    otherRrule: recurrence ? null : meeting.rrule,
    participants: Object.fromEntries(
      [...new Set([...invitees.map((i) => i.personId), ...invited.keys()])].map((personId) => {
        const p = invited.get(personId);

        return [
          personId,
          {
            isInvited: p !== undefined,
            required: p?.required ?? true,
            interpreterLanguage: p?.interpreterLanguage ?? '',
          },
        ];
      }),
    ),
  };
}

export function rruleOf(draft: ScheduleDraft): string | null {
  return draft.otherRrule ?? toRrule(draft.recurrence);
}

export function participantsOf(draft: ScheduleDraft, invitees: Invitee[]): ParticipantInput[] {
  const roleOf = new Map(invitees.map((i) => [i.personId, i.role]));

  return Object.entries(draft.participants)
    .filter(([, p]) => p.isInvited)
    .map(([personId, p]) => ({
      personId,
      required: p.required,
      ...(roleOf.get(personId) === 'interpreter' && p.interpreterLanguage
        ? { interpreterLanguage: p.interpreterLanguage }
        : {}),
    }));
}

export function scheduleRequest(
  patientId: string,
  draft: ScheduleDraft,
  invitees: Invitee[],
): ScheduleMeeting {
  return {
    patientId,
    purpose: draft.purpose.trim(),
    start: draft.start,
    timeZone: 'Europe/Oslo',
    durationMinutes: draft.durationMinutes,
    rrule: rruleOf(draft),
    participants: participantsOf(draft, invitees),
  };
}

/** Only what changed: a time left as it was keeps everyone's answers. Null when nothing did. */
export function rescheduleRequest(
  meeting: ScheduledMeeting,
  draft: ScheduleDraft,
  invitees: Invitee[],
): RescheduleMeeting | null {
  const before = draftOf(meeting, invitees);
  const change: Omit<RescheduleMeeting, 'meetingId'> = {};
  const participants = participantsOf(draft, invitees);

  if (draft.purpose.trim() !== before.purpose) change.purpose = draft.purpose.trim();
  if (draft.start !== before.start) change.start = draft.start;
  if (draft.durationMinutes !== before.durationMinutes) {
    change.durationMinutes = draft.durationMinutes;
  }
  if (rruleOf(draft) !== rruleOf(before)) change.rrule = rruleOf(draft);
  if (JSON.stringify(participants) !== JSON.stringify(participantsOf(before, invitees))) {
    change.participants = participants;
  }

  return Object.keys(change).length > 0 ? { meetingId: meeting.id, ...change } : null;
}

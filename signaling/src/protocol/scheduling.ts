import { z } from 'zod';

import type { ParticipantRole } from './participants.ts';

/*
 * Scheduled meetings, invitations, personal links, the coordinator's overview and worklist: the
 * payloads of the `scheduling:*` Socket.io requests (see `requestSchemas` in events.ts) and of the
 * HTTP routes below.
 *
 * Times. Every instant is an ISO 8601 string in UTC (`2027-03-29T08:00:00.000Z`). What a person
 * types and reads is wall-clock time in the meeting's time zone (`localStart`:
 * `2027-03-29T10:00`); the server turns one into the other, so that a weekly 10:00 meeting stays
 * at 10:00 in Oslo across daylight saving time (09:00Z in winter, 08:00Z in summer).
 *
 * HTTP routes (bearer token as in the rest of the API unless said otherwise):
 * - `GET /api/meetings/:meetingId/invitations`: every participant's `Invitation`, with personal
 *   links, for staff of the patient's care team to hand on.
 * - `GET /api/meetings/:meetingId/invitations/:personId/invitation.ics`: that participant's
 *   calendar file (`text/calendar`, METHOD:REQUEST, or CANCEL once the meeting is cancelled or
 *   the person taken off it); for staff of the care team and for the person themselves.
 * - `GET /api/meetings/:meetingId/invitation.ics`: the caller's own calendar file.
 * - `POST /api/meetings/:meetingId/invitations/:personId/reissue`: revokes the participant's
 *   personal link and answers their `Invitation` with a new one (a lost phone, a forwarded link).
 * - `POST /api/links/open` (`OpenLink`, no bearer token): exchanges a personal link for a session
 *   token, `LinkSession`. Refusals: `link_not_open_yet` (details: `LinkTimes`), `link_closed`,
 *   `meeting_cancelled`, `link_used_elsewhere`, `unauthorized` (revoked or not a link).
 * - `POST /api/links/respond` (`RespondByLink`, no bearer token): accept or decline with the
 *   personal link, at any time before the meeting ends; answers `LinkResponse`.
 * - `GET /api/worklist`: the caller's organisation's `Worklist`, flagged people first.
 * - `PUT /api/worklist/thresholds` (`WorklistThresholds`): answers the new `Worklist`.
 * - `POST /api/worklist/candidates` (`WorklistCandidateInput`): enters one person by hand.
 * - `POST /api/worklist/import` (`text/csv`, see WORKLIST_CSV_COLUMNS): all rows or none; a file
 *   with bad rows is refused with `invalid_request` and `details.rows`: `WorklistRowError[]`.
 */

/** Time zones meetings can be held in. */
export const MEETING_TIME_ZONES = ['Europe/Oslo'] as const;
export type MeetingTimeZone = (typeof MEETING_TIME_ZONES)[number];

export const MEETING_KINDS = ['scheduled', 'adhoc'] as const;
export type MeetingKind = (typeof MEETING_KINDS)[number];

export const MEETING_STATUSES = ['scheduled', 'cancelled'] as const;
export type MeetingStatus = (typeof MEETING_STATUSES)[number];

/** iCalendar PARTSTAT values a participant's answer can have. */
export const PARTICIPANT_RESPONSES = ['needs-action', 'accepted', 'declined'] as const;
export type ParticipantResponse = (typeof PARTICIPANT_RESPONSES)[number];

/** Languages invitation texts are written in; any other falls back to Bokmål. */
export const INVITATION_LANGUAGES = ['nb', 'nn', 'en', 'se'] as const;
export type InvitationLanguage = (typeof INVITATION_LANGUAGES)[number];

/** Minutes before the start at which "My meetings" lets people join. */
export const JOIN_OPENS_MINUTES_BEFORE = 10;
/** Minutes before each occurrence's start that a personal link starts to work. */
export const LINK_OPENS_MINUTES_BEFORE = 30;
/** Minutes after each occurrence's end that a personal link still works. */
export const LINK_CLOSES_MINUTES_AFTER = 30;

const id = z.string().min(1).max(64);

// Control characters and bidirectional overrides could hide or reorder what others read.
const FORBIDDEN_CHARACTERS =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !FORBIDDEN_CHARACTERS.test(s), 'control characters');

/** Wall-clock date and time to the minute, as a person enters it: `2027-03-29T10:00`. */
export const localDateTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'a local date and time as YYYY-MM-DDTHH:MM')
  // Read back as written: 30 February or 24:00 would otherwise roll over to the next day.
  .refine((s) => {
    const read = Date.parse(`${s}:00Z`);

    return !Number.isNaN(read) && new Date(read).toISOString().slice(0, 16) === s;
  }, 'not a real date and time');

/** A language tag: ISO 639-1 or -3, maybe with a region (`nb`, `se`, `ar`, `prs`, `pt-BR`). */
const languageSchema = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'an ISO 639 language code');

/** One person invited, as the coordinator picks them. */
export const participantInputSchema = z.object({
  personId: id,
  /** Whether the meeting needs this person (ROLE=REQ-PARTICIPANT) or not (OPT-PARTICIPANT). */
  required: z.boolean().default(true),
  /** Language of their invitation text. Default: the patient's own for the patient, else nb. */
  language: languageSchema.optional(),
  /** For an interpreter, the language they interpret. Default: the patient's recorded one. */
  interpreterLanguage: languageSchema.optional(),
});
export type ParticipantInput = z.input<typeof participantInputSchema>;

/**
 * An RRULE value (RFC 5545 3.3.10) without the `RRULE:` prefix: FREQ=DAILY, WEEKLY or MONTHLY,
 * ending by COUNT or UNTIL, at most 100 meetings within two years, its first meeting at `start`.
 * UNTIL may be a date (the series ends with that day in the meeting's time zone), a local date
 * and time, or UTC.
 */
const rruleSchema = z
  .string()
  .trim()
  .max(300)
  .transform((s) => s.replace(/^RRULE:/i, '').toUpperCase());

/**
 * `scheduling:schedule`: staff of the patient's care team schedule a meeting. The patient is
 * always invited, and the one who schedules is invited as organiser, each added when not listed.
 * Answers the `ScheduledMeeting`; invitations are then fetched over HTTP (see above).
 */
export const scheduleMeetingSchema = z.object({
  patientId: id,
  purpose: text(500),
  /** First meeting's start, wall-clock time in `timeZone`; not in the past. */
  start: localDateTimeSchema,
  timeZone: z.enum(MEETING_TIME_ZONES).default('Europe/Oslo'),
  durationMinutes: z.number().int().min(5).max(480),
  rrule: rruleSchema.nullable().default(null),
  participants: z.array(participantInputSchema).max(30).default([]),
});
export type ScheduleMeeting = z.input<typeof scheduleMeetingSchema>;

/**
 * `scheduling:reschedule`: change a scheduled meeting (the whole series). What is left out stays;
 * `rrule: null` makes it a single meeting; `participants`, when given, is the new list, the
 * patient always kept (those left out are taken off and sent a cancellation). A new time sets
 * everyone's answer back to needs-action, but the answer of whoever moved it. The SEQUENCE goes up
 * by one; the UID stays.
 */
export const rescheduleMeetingSchema = z
  .object({
    meetingId: id,
    purpose: text(500).optional(),
    start: localDateTimeSchema.optional(),
    durationMinutes: z.number().int().min(5).max(480).optional(),
    rrule: rruleSchema.nullable().optional(),
    participants: z.array(participantInputSchema).max(30).optional(),
  })
  .refine(
    (r) => Object.keys(r).some((key) => key !== 'meetingId'),
    'say what changes: purpose, start, durationMinutes, rrule or participants',
  );
export type RescheduleMeeting = z.input<typeof rescheduleMeetingSchema>;

/**
 * `scheduling:respond`: accept or decline. Without `personId`, the caller answers for themselves;
 * staff of the care team may write down the answer of another participant (given by phone).
 */
export const respondToMeetingSchema = z.object({
  meetingId: id,
  response: z.enum(['accepted', 'declined']),
  personId: id.optional(),
});
export type RespondToMeeting = z.input<typeof respondToMeetingSchema>;

export interface MeetingParticipant {
  personId: string;
  displayName: string;
  role: ParticipantRole;
  /** "Hjemmesykepleien, Fjellvik kommune", for staff. */
  organisation: string | null;
  required: boolean;
  response: ParticipantResponse;
  respondedAt: string | null;
  /** Who wrote the answer down, when it was not the participant. */
  respondedBy: string | null;
  language: string;
  interpreterLanguage: string | null;
  /** Whether they join with a personal link (patient, relatives, interpreters). */
  hasPersonalLink: boolean;
}

export interface MeetingOccurrence {
  startsAt: string;
  endsAt: string;
  /** Wall-clock start in the meeting's time zone. */
  localStart: string;
}

/** `scheduling:get` (`{ meetingId }`), and the answer to every change of a meeting. */
export interface ScheduledMeeting {
  id: string;
  patientId: string;
  patientName: string;
  kind: MeetingKind;
  status: MeetingStatus;
  purpose: string | null;
  /** First occurrence; null for an ad-hoc room. */
  startsAt: string | null;
  localStart: string | null;
  timeZone: MeetingTimeZone;
  durationMinutes: number | null;
  rrule: string | null;
  sequence: number;
  icalUid: string | null;
  createdBy: string | null;
  updatedAt: string;
  /** The next occurrence that has not ended, if any. */
  next: MeetingOccurrence | null;
  participants: MeetingParticipant[];
}

/** One occurrence in someone's "My meetings". */
export interface MyMeeting extends MeetingOccurrence {
  meetingId: string;
  patientId: string;
  patientName: string;
  purpose: string | null;
  status: MeetingStatus;
  recurring: boolean;
  /** When the join button opens: JOIN_OPENS_MINUTES_BEFORE before the start. */
  joinOpensAt: string;
  myRole: ParticipantRole;
  myResponse: ParticipantResponse;
  required: boolean;
}

/**
 * `scheduling:myMeetings` (`{}`): the caller's meetings, upcoming (soonest first, cancelled ones
 * included and marked) and past (latest first, at most 20). An occurrence is upcoming until it
 * has ended.
 */
export interface MyMeetings {
  upcoming: MyMeeting[];
  past: MyMeeting[];
}

/** `scheduling:invitees` (`{ patientId }`): who can be invited to a meeting about the patient. */
export interface Invitee {
  personId: string;
  displayName: string;
  role: ParticipantRole;
  organisation: string | null;
}

/** One patient on the coordinator's home page. */
export interface CoordinatedPatient {
  patientId: string;
  displayName: string;
  /**
   * Whether the caller may read this patient's plan (from the treating hospital, or with the
   * patient's consent). When not, the plan's id, next review and action counts are null: the
   * coordinator still sees the patient and the meetings.
   */
  planAccess: boolean;
  carePlanId: string | null;
  nextReview: string | null;
  /** Actions open or in progress; null without plan access. */
  openActions: number | null;
  /** Open or in-progress actions whose due date has passed (in Oslo); null without plan access. */
  overdueActions: number | null;
  /** The next few scheduled occurrences, soonest first. */
  upcomingMeetings: (MeetingOccurrence & { meetingId: string; purpose: string | null })[];
}

/** `scheduling:overview` (`{}`): the patients the caller coordinates now. */
export interface CoordinatorOverview {
  patients: CoordinatedPatient[];
}

/** What a participant is sent (HTTP, for staff of the care team to hand on). */
export interface Invitation {
  meetingId: string;
  personId: string;
  displayName: string;
  role: ParticipantRole;
  /** A personal link for the patient, relatives and interpreters; the meeting page for staff. */
  joinUrl: string;
  icsUrl: string;
  /** REQUEST, or CANCEL once the meeting is cancelled or the person was taken off it. */
  method: 'REQUEST' | 'CANCEL';
  sequence: number;
  text: InvitationText;
}

export interface InvitationText {
  /** The language the text is in, after falling back to Bokmål. */
  language: InvitationLanguage;
  /** The language asked for (the participant's). */
  requestedLanguage: string;
  subject: string;
  body: string;
}

/** `POST /api/links/open`. */
export const openLinkSchema = z.object({
  /** The `link=` value from the fragment of the invitation URL. */
  link: z.string().min(1).max(4096),
  /** What an earlier successful open answered on this device; absent on the first. */
  deviceKey: z.string().min(1).max(128).optional(),
});
export type OpenLink = z.input<typeof openLinkSchema>;

export interface LinkSession {
  /** An access token for this person and meeting, until `expiresAt`. */
  token: string;
  expiresAt: string;
  meetingId: string;
  personId: string;
  role: ParticipantRole;
  /**
   * Keep it on this device (local storage, by meeting) and send it with every later open of the
   * link: the link works on this device only.
   */
  deviceKey: string;
  occurrence: MeetingOccurrence;
  /** The language of this person's invitation (`nb`, `nn`, `se`, `en`), for the pages before the meeting. */
  language: string | null;
}

/** The details of a `link_not_open_yet` refusal. */
export interface LinkTimes {
  startsAt: string;
  localStart: string;
  opensAt: string;
}

/** `POST /api/links/respond`. */
export const respondByLinkSchema = openLinkSchema.extend({
  response: z.enum(['accepted', 'declined']),
});
export type RespondByLink = z.input<typeof respondByLinkSchema>;

export interface LinkResponse {
  meetingId: string;
  response: ParticipantResponse;
  next: MeetingOccurrence | null;
}

/** Columns of a worklist CSV file, in any order, after one header row (comma or semicolon). */
export const WORKLIST_CSV_COLUMNS = [
  'reference',
  'name',
  'age',
  'long_term_conditions',
  'emergency_admissions_12m',
  'bed_days_12m',
  'municipality',
] as const;

/** The four numeric criteria a person on the worklist can meet. */
export const WORKLIST_CRITERIA = [
  'age',
  'longTermConditions',
  'emergencyAdmissions',
  'bedDays',
] as const;
export type WorklistCriterion = (typeof WORKLIST_CRITERIA)[number];

export const worklistThresholdsSchema = z.object({
  minAge: z.number().int().min(0).max(130),
  minLongTermConditions: z.number().int().min(0).max(50),
  minEmergencyAdmissions: z.number().int().min(0).max(365),
  minBedDays: z.number().int().min(0).max(366),
  /** How many of the four criteria a person must meet to be flagged. */
  minCriteriaMet: z.number().int().min(1).max(4),
  /** Municipalities served; a person living elsewhere is never flagged. Empty: any. */
  municipalities: z.array(text(100)).max(50),
});
export type WorklistThresholds = z.infer<typeof worklistThresholdsSchema>;

export const worklistCandidateInputSchema = z.object({
  reference: text(64),
  name: text(200),
  age: z.number().int().min(0).max(130),
  longTermConditions: z.number().int().min(0).max(50),
  emergencyAdmissions12m: z.number().int().min(0).max(365),
  bedDays12m: z.number().int().min(0).max(366),
  municipality: text(100),
});
export type WorklistCandidateInput = z.infer<typeof worklistCandidateInputSchema>;

/** One criterion a flagged person meets: their value against the threshold. */
export interface WorklistReason {
  criterion: WorklistCriterion;
  value: number;
  threshold: number;
  /** The same in English words, for logs and tests: "age 84 is at least 75". */
  explanation: string;
}

export interface WorklistCandidate extends WorklistCandidateInput {
  id: string;
  source: 'csv' | 'entered';
  recordedAt: string;
  flagged: boolean;
  /** Whether the municipality is among those served (always true when none are listed). */
  inServedMunicipality: boolean;
  /** The criteria met, whether or not they are enough to flag the person. */
  reasons: WorklistReason[];
}

export interface Worklist {
  organisationId: string;
  thresholds: WorklistThresholds;
  /** Whether the thresholds are the server's defaults (none stored for the organisation). */
  defaultThresholds: boolean;
  /** Flagged first, most criteria met first, then by name. */
  candidates: WorklistCandidate[];
}

/** One bad row of an import: its line in the file (the header is line 1) and what is wrong. */
export interface WorklistRowError {
  line: number;
  errors: { column: string | null; message: string }[];
}

/** The `scheduling:*` Socket.io requests, spread into `requestSchemas`. */
export const schedulingRequestSchemas = {
  /** Staff of the patient's care team schedule a meeting; see scheduleMeetingSchema. */
  'scheduling:schedule': scheduleMeetingSchema,
  /** Staff of the care team change a scheduled meeting; see rescheduleMeetingSchema. */
  'scheduling:reschedule': rescheduleMeetingSchema,
  /**
   * Staff of the care team cancel a scheduled meeting (the whole series). The SEQUENCE goes up,
   * every invitation becomes a CANCEL, and personal links are refused with `meeting_cancelled`.
   */
  'scheduling:cancel': z.object({ meetingId: id }),
  /** Accept or decline; see respondToMeetingSchema. */
  'scheduling:respond': respondToMeetingSchema,
  /**
   * A meeting with its participants and their answers: for its participants and the staff. The
   * connection hears `scheduling:changed` about the meeting from then on, until
   * `scheduling:unwatch` or until it drops (fetch again after a reconnect: changes made meanwhile
   * were not heard).
   */
  'scheduling:get': z.object({ meetingId: id }),
  /** No more `scheduling:changed` about this meeting on this connection (its page was left). */
  'scheduling:unwatch': z.object({ meetingId: id }),
  /** "My meetings": the caller's upcoming and past meetings; see MyMeetings. */
  'scheduling:myMeetings': z.object({}),
  /** The coordinator's home page: the patients they coordinate; see CoordinatorOverview. */
  'scheduling:overview': z.object({}),
  /** Staff of the care team: whom a meeting about the patient can invite. */
  'scheduling:invitees': z.object({ patientId: id }),
} as const;

export interface SchedulingReplies {
  'scheduling:schedule': ScheduledMeeting;
  'scheduling:reschedule': ScheduledMeeting;
  'scheduling:cancel': ScheduledMeeting;
  'scheduling:respond': ScheduledMeeting;
  'scheduling:get': ScheduledMeeting;
  'scheduling:unwatch': Record<string, never>;
  'scheduling:myMeetings': MyMeetings;
  'scheduling:overview': CoordinatorOverview;
  'scheduling:invitees': Invitee[];
}

/**
 * What changed about a meeting: an answer (`response`), its time, purpose or participants
 * (`schedule`), its cancellation (`cancelled`), or a personal link made anew (`link`).
 */
export const MEETING_CHANGES = ['response', 'schedule', 'cancelled', 'link'] as const;
export type MeetingChange = (typeof MEETING_CHANGES)[number];

export interface SchedulingChanged {
  meetingId: string;
  change: MeetingChange;
}

export interface SchedulingEvents {
  /**
   * To connections that fetched the meeting with `scheduling:get`: it changed, by whoever and
   * however (a page, a personal link, another team member). Fetch it again; after `schedule`,
   * `cancelled` or `link`, its invitations too.
   */
  'scheduling:changed': (event: SchedulingChanged) => void;
}

/** The answer to `POST /api/worklist/import`: how many rows were stored, and the new list. */
export interface WorklistImport {
  imported: number;
  worklist: Worklist;
}

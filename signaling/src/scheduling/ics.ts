import { utcStamp } from './recurrence.ts';
import { wallClockAt } from './zonedTime.ts';

/*
 * Writes iCalendar (RFC 5545) invitations as iTIP (RFC 5546) REQUEST and CANCEL messages: one
 * VEVENT with the meeting's UID, which every update and the cancellation keep, and its SEQUENCE,
 * which each of them raises, so that calendar programs replace the earlier copy.
 */

export interface CalendarPerson {
  name: string;
  /** A calendar user address (RFC 5545 CAL-ADDRESS): a URI such as mailto: or urn:. */
  address: string;
}

export interface CalendarAttendee extends CalendarPerson {
  required: boolean;
  response: 'needs-action' | 'accepted' | 'declined';
}

export interface CalendarEvent {
  method: 'REQUEST' | 'CANCEL';
  uid: string;
  sequence: number;
  /** When this copy was made (DTSTAMP). */
  stamp: Date;
  startsAt: Date;
  durationMinutes: number;
  /** Only Europe/Oslo has its VTIMEZONE written here. */
  timeZone: 'Europe/Oslo';
  rrule: string | null;
  summary: string;
  description: string;
  url: string | null;
  organizer: CalendarPerson;
  attendees: CalendarAttendee[];
}

/**
 * Oslo's rules since 1996, the EU's: summer time from 01:00 UTC on the last Sunday of March to
 * 01:00 UTC on the last Sunday of October.
 */
const VTIMEZONE_OSLO = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Oslo',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

const PARTSTAT = { 'needs-action': 'NEEDS-ACTION', accepted: 'ACCEPTED', declined: 'DECLINED' };

/** The whole calendar file: CRLF line ends, lines folded at 75 octets. */
export function writeCalendar(event: CalendarEvent): string {
  const cancelled = event.method === 'CANCEL';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Teamrom//Scheduling//NO',
    'CALSCALE:GREGORIAN',
    `METHOD:${event.method}`,
    ...VTIMEZONE_OSLO,
    'BEGIN:VEVENT',
    `UID:${escapeText(event.uid)}`,
    `SEQUENCE:${event.sequence}`,
    `DTSTAMP:${utcStamp(event.stamp)}`,
    `DTSTART;TZID=${event.timeZone}:${localStamp(event.startsAt, event.timeZone)}`,
    `DURATION:PT${event.durationMinutes}M`,
    ...(event.rrule ? [`RRULE:${event.rrule}`] : []),
    `SUMMARY:${escapeText(event.summary)}`,
    `DESCRIPTION:${escapeText(event.description)}`,
    ...(event.url ? [`URL:${event.url}`] : []),
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:OPAQUE',
    `ORGANIZER;CN=${paramValue(event.organizer.name)}:${event.organizer.address}`,
    ...event.attendees.map((a) => attendee(a, cancelled)),
    ...(cancelled ? [] : reminder()),
    'END:VEVENT',
    'END:VCALENDAR',
  ];

  return lines.map(fold).join('\r\n') + '\r\n';
}

function attendee(a: CalendarAttendee, cancelled: boolean): string {
  const role = a.required ? 'REQ-PARTICIPANT' : 'OPT-PARTICIPANT';
  // An answer is asked for only while there is something to answer.
  const rsvp = !cancelled && a.response === 'needs-action' ? 'TRUE' : 'FALSE';

  return (
    `ATTENDEE;CN=${paramValue(a.name)};ROLE=${role};PARTSTAT=${PARTSTAT[a.response]};` +
    `RSVP=${rsvp}:${a.address}`
  );
}

/** A reminder 15 minutes before, so that nobody has to remember to look. */
function reminder(): string[] {
  return ['BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Teamrom', 'TRIGGER:-PT15M', 'END:VALARM'];
}

/** `20270329T100000`: wall-clock time in the zone, for DTSTART;TZID=. */
function localStamp(instant: Date, timeZone: string): string {
  const w = wallClockAt(instant, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');

  return `${w.year}${two(w.month)}${two(w.day)}T${two(w.hour)}${two(w.minute)}${two(w.second)}`;
}

/** TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/**
 * A parameter value (RFC 5545 3.2): quoted when it holds a colon, semicolon or comma. A double
 * quote cannot appear even quoted, nor can control characters, so they are left out.
 */
export function paramValue(value: string): string {
  const clean = value.replace(/["\u0000-\u001f\u007f]/g, '');

  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/**
 * Folds a content line (RFC 5545 3.1) into lines of at most 75 octets of UTF-8, each continuation
 * starting with one space, never splitting a character.
 */
export function fold(line: string): string {
  const chunks: string[] = [];
  let current = '';
  let octets = 0;

  for (const character of line) {
    const size = Buffer.byteLength(character, 'utf8');
    // The first line holds 75 octets; the others 74 after their leading space.
    const room = chunks.length === 0 ? 75 : 74;

    if (octets + size > room) {
      chunks.push(current);
      current = '';
      octets = 0;
    }
    current += character;
    octets += size;
  }
  chunks.push(current);

  return chunks.join('\r\n ');
}

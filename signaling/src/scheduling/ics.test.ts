import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';

import type { CalendarEvent } from './ics.ts';
import { escapeText, fold, writeCalendar } from './ics.ts';
import { normaliseRrule } from './recurrence.ts';
import { instantOf, parseLocalDateTime } from './zonedTime.ts';

/*
 * The calendar files are read back with ical.js, a parser written by others, so that what is
 * tested is what a calendar program would understand, not what our writer meant.
 */

const OSLO = 'Europe/Oslo';

const at = (local: string) => instantOf(parseLocalDateTime(local), OSLO);

function weekly(start: string, count: number, overrides: Partial<CalendarEvent> = {}) {
  const startsAt = at(start);

  return writeCalendar({
    method: 'REQUEST',
    uid: 'b3c1d2e4-0000-4000-8000-000000000001@teamrom',
    sequence: 0,
    stamp: new Date('2027-03-01T12:00:00Z'),
    startsAt,
    durationMinutes: 60,
    timeZone: OSLO,
    rrule: normaliseRrule(`FREQ=WEEKLY;COUNT=${count}`, startsAt, OSLO),
    summary: 'Videomøte med helseteamet ditt',
    description: 'Bli med: https://teamrom.test/m/x#link=abc',
    url: 'https://teamrom.test/m/x#link=abc',
    organizer: { name: 'Kari Nordmann', address: 'urn:teamrom:attendee:kari' },
    attendees: [
      { name: 'Pasient', address: 'urn:teamrom:attendee:p', required: true, response: 'accepted' },
      {
        name: 'Berg, Ingrid',
        address: 'urn:teamrom:attendee:i',
        required: false,
        response: 'needs-action',
      },
    ],
    ...overrides,
  });
}

/** Parses a calendar with ical.js, its own VTIMEZONE registered, and answers its one event. */
function parse(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));

  ICAL.TimezoneService.reset();
  for (const zone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(zone);
  }

  const vevent = calendar.getFirstSubcomponent('vevent')!;

  return { calendar, vevent, event: new ICAL.Event(vevent) };
}

function instants(text: string): string[] {
  const { event } = parse(text);
  const iterator = event.iterator();
  const found: string[] = [];

  for (let next = iterator.next(); next; next = iterator.next()) {
    found.push(next.toJSDate().toISOString());
  }

  return found;
}

describe('an .ics invitation read by an independent parser', () => {
  it('gives 10:00 in Oslo each week across the last Sunday of March 2027', () => {
    expect(instants(weekly('2027-03-22T10:00', 3))).toEqual([
      '2027-03-22T09:00:00.000Z',
      '2027-03-29T08:00:00.000Z',
      '2027-04-05T08:00:00.000Z',
    ]);
  });

  it('gives 10:00 in Oslo each week across the last Sunday of October 2027', () => {
    expect(instants(weekly('2027-10-21T10:00', 3))).toEqual([
      '2027-10-21T08:00:00.000Z',
      '2027-10-28T08:00:00.000Z',
      '2027-11-04T09:00:00.000Z',
    ]);
  });

  it('starts with a local time in Europe/Oslo and lasts its duration', () => {
    const { event } = parse(weekly('2027-03-29T10:00', 1));

    expect(event.startDate.toString()).toBe('2027-03-29T10:00:00');
    expect(event.startDate.zone.tzid).toBe(OSLO);
    expect(event.endDate.toJSDate().toISOString()).toBe('2027-03-29T09:00:00.000Z');
  });

  it('is an iTIP REQUEST with the UID, SEQUENCE, organiser and attendees', () => {
    const { calendar, event, vevent } = parse(weekly('2027-03-22T10:00', 3, { sequence: 2 }));

    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(event.uid).toBe('b3c1d2e4-0000-4000-8000-000000000001@teamrom');
    expect(event.sequence).toBe(2);
    expect(vevent.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(vevent.getFirstProperty('organizer')!.getParameter('cn')).toBe('Kari Nordmann');
    expect(
      event.attendees.map((a) => ({
        name: a.getParameter('cn'),
        role: a.getParameter('role'),
        partstat: a.getParameter('partstat'),
        rsvp: a.getParameter('rsvp'),
        address: a.getFirstValue(),
      })),
    ).toEqual([
      {
        name: 'Pasient',
        role: 'REQ-PARTICIPANT',
        partstat: 'ACCEPTED',
        rsvp: 'FALSE',
        address: 'urn:teamrom:attendee:p',
      },
      {
        name: 'Berg, Ingrid',
        role: 'OPT-PARTICIPANT',
        partstat: 'NEEDS-ACTION',
        rsvp: 'TRUE',
        address: 'urn:teamrom:attendee:i',
      },
    ]);
  });

  it('as a CANCEL keeps the UID, carries the higher SEQUENCE and says CANCELLED', () => {
    const { calendar, event, vevent } = parse(
      weekly('2027-03-22T10:00', 3, { method: 'CANCEL', sequence: 3, url: null }),
    );

    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(event.uid).toBe('b3c1d2e4-0000-4000-8000-000000000001@teamrom');
    expect(event.sequence).toBe(3);
    expect(vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(vevent.getFirstSubcomponent('valarm')).toBeNull();
  });

  it('gives back text with commas, semicolons, backslashes, line breaks and æøå unchanged', () => {
    const description =
      'Linje én; med komma, semikolon og \\ skråstrek.\nLinje to: æøå ÆØÅ – ' +
      'og en lang setning som må brettes over flere linjer i filen, uten å dele noen tegn.';
    const { event } = parse(
      weekly('2027-03-22T10:00', 1, { description, summary: 'Møte, del 1; plan' }),
    );

    expect(event.description).toBe(description);
    expect(event.summary).toBe('Møte, del 1; plan');
  });
});

describe('the .ics writer', () => {
  it('ends every line with CRLF and folds none longer than 75 octets', () => {
    const text = weekly('2027-03-22T10:00', 3, {
      description: 'ø'.repeat(200),
      summary: 'a'.repeat(150),
    });

    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of text.split('\r\n')) {
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    }
  });

  it('never splits a character of several octets when folding', () => {
    const folded = fold(`DESCRIPTION:${'æ'.repeat(60)}`);

    expect(folded.split('\r\n ').join('')).toBe(`DESCRIPTION:${'æ'.repeat(60)}`);
    for (const line of folded.split('\r\n')) {
      expect(line).not.toContain('\uFFFD');
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    }
  });

  it('escapes TEXT as RFC 5545 says', () => {
    expect(escapeText('a\\b;c,d\ne')).toBe('a\\\\b\\;c\\,d\\ne');
  });

  it('quotes a parameter value with a colon, semicolon or comma and drops double quotes', () => {
    const text = weekly('2027-03-22T10:00', 1, {
      organizer: { name: 'Nordmann, "Kari": koordinator', address: 'urn:teamrom:attendee:k' },
    });

    expect(text).toContain('ORGANIZER;CN="Nordmann, Kari: koordinator":urn:teamrom:attendee:k');
    expect(parse(text).vevent.getFirstProperty('organizer')!.getParameter('cn')).toBe(
      'Nordmann, Kari: koordinator',
    );
  });
});

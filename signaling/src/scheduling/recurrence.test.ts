import { describe, expect, it } from 'vitest';

import { MAX_EXPANSION_DAYS, normaliseRrule, occurrencesOf } from './recurrence.ts';
import { instantOf, parseLocalDateTime } from './zonedTime.ts';

const OSLO = 'Europe/Oslo';

const at = (local: string) => instantOf(parseLocalDateTime(local), OSLO);

function series(start: string, rrule: string, durationMinutes = 60) {
  const startsAt = at(start);

  return occurrencesOf({
    startsAt,
    durationMinutes,
    rrule: normaliseRrule(rrule, startsAt, OSLO),
    timeZone: OSLO,
  });
}

const starts = (occurrences: { start: Date }[]) => occurrences.map((o) => o.start.toISOString());

describe('a recurring meeting in Oslo', () => {
  it('stays at 10:00 local across the start of summer time: 09:00Z, then 08:00Z', () => {
    expect(starts(series('2027-03-22T10:00', 'FREQ=WEEKLY;COUNT=3'))).toEqual([
      '2027-03-22T09:00:00.000Z',
      '2027-03-29T08:00:00.000Z',
      '2027-04-05T08:00:00.000Z',
    ]);
  });

  it('stays at 10:00 local across the end of summer time: 08:00Z, then 09:00Z', () => {
    expect(starts(series('2027-10-21T10:00', 'FREQ=WEEKLY;COUNT=3'))).toEqual([
      '2027-10-21T08:00:00.000Z',
      '2027-10-28T08:00:00.000Z',
      '2027-11-04T09:00:00.000Z',
    ]);
  });

  it('lasts its duration in every occurrence', () => {
    for (const o of series('2027-03-26T13:30', 'FREQ=DAILY;COUNT=4', 45)) {
      expect(o.end.getTime() - o.start.getTime()).toBe(45 * 60 * 1000);
    }
  });

  it('follows BYDAY, INTERVAL and numbered weekdays', () => {
    expect(
      starts(series('2027-03-22T10:00', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=4')),
    ).toEqual([
      '2027-03-22T09:00:00.000Z',
      '2027-03-25T09:00:00.000Z',
      '2027-04-05T08:00:00.000Z',
      '2027-04-08T08:00:00.000Z',
    ]);
    expect(starts(series('2027-01-29T09:00', 'FREQ=MONTHLY;BYDAY=-1FR;COUNT=3'))).toEqual([
      '2027-01-29T08:00:00.000Z',
      '2027-02-26T08:00:00.000Z',
      '2027-03-26T08:00:00.000Z',
    ]);
  });

  it('includes the whole day that a date-only UNTIL names, and writes UNTIL in UTC', () => {
    const startsAt = at('2027-03-22T10:00');
    const rrule = normaliseRrule('FREQ=WEEKLY;UNTIL=20270405', startsAt, OSLO);

    // The end of 5 April in Oslo, summer time.
    expect(rrule).toBe('FREQ=WEEKLY;UNTIL=20270405T215959Z');
    expect(occurrencesOf({ startsAt, durationMinutes: 60, rrule, timeZone: OSLO })).toHaveLength(3);
  });

  it('reads a local UNTIL in Oslo time and a UTC one as it is', () => {
    const startsAt = at('2027-03-22T10:00');

    expect(normaliseRrule('FREQ=WEEKLY;UNTIL=20270329T100000', startsAt, OSLO)).toBe(
      'FREQ=WEEKLY;UNTIL=20270329T080000Z',
    );
    expect(normaliseRrule('rrule:freq=weekly;until=20270329T075959Z', startsAt, OSLO)).toBe(
      'FREQ=WEEKLY;UNTIL=20270329T075959Z',
    );
    expect(
      occurrencesOf({
        startsAt,
        durationMinutes: 60,
        rrule: 'FREQ=WEEKLY;UNTIL=20270329T075959Z',
        timeZone: OSLO,
      }),
    ).toHaveLength(1);
  });

  it('writes its parts in one order', () => {
    expect(normaliseRrule('COUNT=2;BYDAY=MO;FREQ=WEEKLY', at('2027-03-22T10:00'), OSLO)).toBe(
      'FREQ=WEEKLY;BYDAY=MO;COUNT=2',
    );
  });

  it.each([
    ['FREQ=WEEKLY', 'needs an end'],
    ['FREQ=WEEKLY;COUNT=2;UNTIL=20270405', 'needs an end'],
    ['FREQ=HOURLY;COUNT=3', 'has a value that is not supported'],
    ['FREQ=WEEKLY;BYHOUR=9;COUNT=3', 'BYHOUR is not supported'],
    ['FREQ=WEEKLY;COUNT=2;COUNT=3', 'names COUNT twice'],
    ['COUNT=3', 'needs FREQ'],
    ['FREQ=WEEKLY;BYDAY=1MO;COUNT=3', 'need FREQ=MONTHLY'],
    ['FREQ=WEEKLY;BYDAY=TU;COUNT=3', 'the start must be the first meeting'],
    ['FREQ=DAILY;COUNT=101', 'at most 100 meetings'],
    ['FREQ=MONTHLY;COUNT=30', 'at most two years'],
    ['FREQ=WEEKLY;UNTIL=20270231', 'not a real date'],
  ])('refuses %s: %s', (rrule, message) => {
    expect(() => normaliseRrule(rrule, at('2027-03-22T10:00'), OSLO)).toThrow(message);
  });

  it('refuses a rule whose days never come quickly, looking at no more than two years of days', () => {
    // Every seventh day from a Monday is a Monday: BYDAY=TU never comes.
    const started = performance.now();

    for (const rrule of [
      'FREQ=DAILY;INTERVAL=7;BYDAY=TU;UNTIL=99991231',
      'FREQ=DAILY;INTERVAL=7;BYDAY=TU;UNTIL=20280101',
      'FREQ=DAILY;INTERVAL=7;BYDAY=TU;COUNT=5',
      'FREQ=MONTHLY;BYMONTHDAY=31;BYDAY=1MO;COUNT=3',
    ]) {
      expect(() => normaliseRrule(rrule, at('2027-03-22T10:00'), OSLO)).toThrow(
        /at most two years|the start must be the first meeting/,
      );
    }
    expect(performance.now() - started).toBeLessThan(200);
    expect(MAX_EXPANSION_DAYS).toBe(732);
  });

  it('refuses an UNTIL beyond two years before expanding the rule', () => {
    expect(() =>
      normaliseRrule('FREQ=WEEKLY;UNTIL=99991231', at('2027-03-22T10:00'), OSLO),
    ).toThrow('at most two years');
  });

  it('refuses a series with a meeting in the hour skipped or passed twice by daylight saving', () => {
    // 02:30 every Sunday: 28 March 2027 has no 02:30; 31 October 2027 has two.
    expect(() => normaliseRrule('FREQ=WEEKLY;COUNT=3', at('2027-03-14T02:30'), OSLO)).toThrow(
      'skipped when clocks go forward',
    );
    expect(() => normaliseRrule('FREQ=WEEKLY;COUNT=3', at('2027-10-17T02:30'), OSLO)).toThrow(
      'happens twice',
    );
  });

  it('follows BYMONTHDAY, negative days and WKST as RFC 5545 expands them', () => {
    expect(starts(series('2027-01-31T09:00', 'FREQ=MONTHLY;COUNT=3'))).toEqual([
      '2027-01-31T08:00:00.000Z',
      '2027-03-31T07:00:00.000Z',
      '2027-05-31T07:00:00.000Z',
    ]);
    expect(starts(series('2027-01-31T09:00', 'FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=2'))).toEqual([
      '2027-01-31T08:00:00.000Z',
      '2027-02-28T08:00:00.000Z',
    ]);
    expect(
      starts(series('2027-03-23T09:00', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=4')),
    ).toEqual([
      '2027-03-23T08:00:00.000Z',
      '2027-03-25T08:00:00.000Z',
      '2027-04-06T07:00:00.000Z',
      '2027-04-08T07:00:00.000Z',
    ]);
  });
});

import { describe, expect, it } from 'vitest';

import {
  formatLocalDateTime,
  instantOf,
  offsetAt,
  parseLocalDateTime,
  wallClockAt,
  wallClockKind,
} from './zonedTime.ts';

const OSLO = 'Europe/Oslo';
const HOUR = 60 * 60 * 1000;

const local = (value: string) => instantOf(parseLocalDateTime(value), OSLO).toISOString();

describe('wall-clock time in Oslo', () => {
  it('is one hour ahead of UTC in winter and two in summer', () => {
    expect(offsetAt(new Date('2027-01-15T12:00:00Z'), OSLO)).toBe(HOUR);
    expect(offsetAt(new Date('2027-07-15T12:00:00Z'), OSLO)).toBe(2 * HOUR);
  });

  it('places 10:00 at 09:00Z before the last Sunday of March and at 08:00Z after it', () => {
    expect(local('2027-03-27T10:00')).toBe('2027-03-27T09:00:00.000Z');
    expect(local('2027-03-28T10:00')).toBe('2027-03-28T08:00:00.000Z');
  });

  it('places 10:00 at 08:00Z before the last Sunday of October and at 09:00Z after it', () => {
    expect(local('2027-10-30T10:00')).toBe('2027-10-30T08:00:00.000Z');
    expect(local('2027-10-31T10:00')).toBe('2027-10-31T09:00:00.000Z');
  });

  it('reads a time skipped when clocks go forward with the offset from before the gap', () => {
    // 02:30 never happens on 28 March 2027: clocks go from 02:00 to 03:00.
    expect(local('2027-03-28T02:30')).toBe('2027-03-28T01:30:00.000Z');
    expect(formatLocalDateTime(wallClockAt(new Date('2027-03-28T01:30:00Z'), OSLO))).toBe(
      '2027-03-28T03:30',
    );
  });

  it('reads a time that happens twice when clocks go back as the first of the two', () => {
    // 02:30 happens twice on 31 October 2027: first in summer time, then in winter time.
    expect(local('2027-10-31T02:30')).toBe('2027-10-31T00:30:00.000Z');
  });

  it('turns an instant into wall-clock time and back unchanged', () => {
    for (const iso of ['2027-01-04T08:15:00.000Z', '2027-06-30T21:45:00.000Z']) {
      const wall = wallClockAt(new Date(iso), OSLO);

      expect(instantOf(wall, OSLO).toISOString()).toBe(iso);
    }
  });

  it.each(['2031-02-30T10:00', '2031-02-29T10:00', '2031-04-31T10:00', '2031-03-10T24:00'])(
    'refuses %s, a time that does not exist, instead of rolling it over',
    (value) => {
      expect(() => parseLocalDateTime(value)).toThrow('not a real date and time');
    },
  );

  it('tells a time that happens once from one skipped or passed twice by daylight saving', () => {
    expect(wallClockKind(parseLocalDateTime('2027-03-28T01:59'), OSLO)).toBe('once');
    expect(wallClockKind(parseLocalDateTime('2027-03-28T02:30'), OSLO)).toBe('gap');
    expect(wallClockKind(parseLocalDateTime('2027-03-28T03:00'), OSLO)).toBe('once');
    expect(wallClockKind(parseLocalDateTime('2027-10-31T02:30'), OSLO)).toBe('ambiguous');
    expect(wallClockKind(parseLocalDateTime('2027-10-31T03:00'), OSLO)).toBe('once');
  });
});

import { describe, expect, it } from 'vitest';

import {
  formatDay,
  formatTime,
  isSameOsloDay,
  isSkippedInOslo,
  minutesSince,
  osloLocal,
  suggestedStart,
} from './osloTime.ts';

describe('Oslo time', () => {
  it('is one hour ahead of UTC in winter and two in summer', () => {
    expect(osloLocal(new Date('2027-01-15T09:00:00Z'))).toBe('2027-01-15T10:00');
    expect(osloLocal(new Date('2027-06-15T08:00:00Z'))).toBe('2027-06-15T10:00');
    expect(formatTime('2027-06-15T08:00:00Z', 'nb')).toBe('10:00');
  });

  it('suggests the next quarter hour an hour ahead', () => {
    expect(suggestedStart(new Date('2027-01-15T09:07:00Z'))).toBe('2027-01-15T11:15');
  });

  it('counts whole minutes waited, never fewer than none', () => {
    const now = new Date('2027-01-15T09:07:59Z');

    expect(minutesSince('2027-01-15T09:00:00Z', now)).toBe(7);
    expect(minutesSince('2027-01-15T09:10:00Z', now)).toBe(0);
  });

  it('knows the times skipped when the clocks go forward to summer time', () => {
    // 28 March 2027: 02:00 becomes 03:00.
    expect(isSkippedInOslo('2027-03-28T02:30')).toBe(true);
    expect(isSkippedInOslo('2027-03-28T01:59')).toBe(false);
    expect(isSkippedInOslo('2027-03-28T03:00')).toBe(false);
    // The hour that comes twice in autumn exists.
    expect(isSkippedInOslo('2027-10-31T02:30')).toBe(false);
  });

  it('tells whether two instants are on the same day in Oslo, not in UTC', () => {
    expect(isSameOsloDay('2027-01-15T23:30:00Z', '2027-01-16T08:00:00Z')).toBe(true);
    expect(isSameOsloDay('2027-01-15T23:30:00Z', '2027-01-15T08:00:00Z')).toBe(false);
  });

  it('names a day without its year', () => {
    expect(formatDay('2027-03-05T09:00:00Z', 'nb')).toBe('fredag 5. mars');
    expect(formatDay('2027-03-05T09:00:00Z', 'en')).toBe('Friday 5 March');
  });
});

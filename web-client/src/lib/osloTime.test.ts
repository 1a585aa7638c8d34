import { describe, expect, it } from 'vitest';

import { formatTime, minutesSince, osloLocal, suggestedStart } from './osloTime.ts';

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
});

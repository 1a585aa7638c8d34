import { describe, expect, it } from 'vitest';

import { NO_RECURRENCE, fromRrule, toRrule } from './rrule.ts';

describe('recurrence choices', () => {
  it('make no rule for a single meeting', () => {
    expect(toRrule(NO_RECURRENCE)).toBeNull();
  });

  it('end a series after a number of meetings or with a date', () => {
    expect(toRrule({ repeat: 'weekly', ends: 'count', count: 6, until: '' })).toBe(
      'FREQ=WEEKLY;COUNT=6',
    );
    expect(toRrule({ repeat: 'biweekly', ends: 'until', count: 6, until: '2027-06-30' })).toBe(
      'FREQ=WEEKLY;INTERVAL=2;UNTIL=20270630',
    );
    expect(toRrule({ repeat: 'weekdays', ends: 'count', count: 10, until: '' })).toBe(
      'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=10',
    );
  });

  it('read back a rule in the server’s normal form, UNTIL in UTC included', () => {
    expect(fromRrule('FREQ=WEEKLY;INTERVAL=2;COUNT=4')).toEqual({
      repeat: 'biweekly',
      ends: 'count',
      count: 4,
      until: '',
    });
    expect(fromRrule('FREQ=MONTHLY;UNTIL=20270630T215959Z')).toMatchObject({
      repeat: 'monthly',
      ends: 'until',
      until: '2027-06-30',
    });
    expect(fromRrule(null)).toEqual(NO_RECURRENCE);
  });

  it('say so when a rule was made elsewhere and the form cannot show it', () => {
    expect(fromRrule('FREQ=MONTHLY;BYDAY=1MO;COUNT=3')).toBeNull();
  });
});

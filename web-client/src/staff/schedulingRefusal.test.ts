import { describe, expect, it } from 'vitest';

import { schedulingRefusal } from './schedulingRefusal.ts';

const invalid = (message: string, details?: unknown) => ({
  code: 'invalid_request',
  message,
  details,
});

describe('the message for a refused meeting', () => {
  it('says the start has passed', () => {
    expect(schedulingRefusal(invalid('a meeting cannot start in the past')).key).toBe(
      'schedule.pastStart',
    );
  });

  it('says how many meetings a series can hold', () => {
    expect(schedulingRefusal(invalid('a series can hold at most 100 meetings'))).toEqual({
      key: 'schedule.refusal.tooManyMeetings',
      values: { max: '100' },
    });
    expect(schedulingRefusal(invalid('a series can run for at most two years')).key).toBe(
      'schedule.refusal.tooLongSeries',
    );
  });

  it('says the start is not a day the rule includes', () => {
    const refusal = invalid(
      'the start must be the first meeting of the series: a day the rule includes',
    );

    expect(schedulingRefusal(refusal).key).toBe('schedule.refusal.startNotInRule');
  });

  it('says a date that does not exist is invalid, from the schema issues too', () => {
    const fromSchema = invalid('invalid scheduling:schedule request', [
      { path: 'start', message: 'not a real date and time' },
    ]);

    expect(schedulingRefusal(fromSchema).key).toBe('schedule.refusal.invalidDate');
    expect(schedulingRefusal(invalid('UNTIL is not a real date')).key).toBe(
      'schedule.refusal.invalidDate',
    );
  });

  it('says a time the change of daylight saving time skips or repeats does not work', () => {
    const gap = invalid('2027-03-28 02:30 does not exist in Europe/Oslo: clocks go forward', {
      localStart: '2027-03-28T02:30',
      timeZone: 'Europe/Oslo',
      reason: 'dst_gap',
    });
    const repeated = invalid('2027-10-31 02:30 happens twice in Europe/Oslo', {
      localStart: '2027-10-31T02:30',
      reason: 'dst_ambiguous',
    });

    expect(schedulingRefusal(gap).key).toBe('schedule.refusal.daylightSavingGap');
    expect(schedulingRefusal(repeated).key).toBe('schedule.refusal.daylightSavingRepeat');
  });

  it('says a date that does not exist is invalid, as the server words it', () => {
    const refusal = invalid('2027-02-30T10:00 is not a real date and time', {
      localStart: '2027-02-30T10:00',
    });

    expect(schedulingRefusal(refusal).key).toBe('schedule.refusal.invalidDate');
  });

  it('keeps the general text for other refusals of the form', () => {
    expect(schedulingRefusal(invalid('a person is listed twice among the participants')).key).toBe(
      'schedule.invalid',
    );
  });

  it('names other errors by their code', () => {
    expect(schedulingRefusal({ code: 'forbidden', message: 'no' }).key).toBe('errors.forbidden');
  });
});

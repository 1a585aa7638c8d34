import { describe, expect, it } from 'vitest';

import { linkWindowAt } from './linkWindow.ts';

const occurrence = (start: string, minutes = 60) => ({
  start: new Date(start),
  end: new Date(new Date(start).getTime() + minutes * 60 * 1000),
});

const series = [occurrence('2027-03-22T09:00:00Z'), occurrence('2027-03-29T08:00:00Z')];

const state = (now: string) => linkWindowAt(series, new Date(now));

describe('the window a personal link works in', () => {
  it('is not open yet until 30 minutes before the start', () => {
    expect(state('2027-03-22T08:29:59Z')).toMatchObject({
      state: 'early',
      opensAt: new Date('2027-03-22T08:30:00Z'),
    });
  });

  it('opens 30 minutes before the start and closes 30 minutes after the end', () => {
    expect(state('2027-03-22T08:30:00Z')).toMatchObject({
      state: 'open',
      closesAt: new Date('2027-03-22T10:30:00Z'),
    });
    expect(state('2027-03-22T10:29:59Z')).toMatchObject({ state: 'open' });
  });

  it('between two meetings of a series waits for the next', () => {
    expect(state('2027-03-22T10:30:00Z')).toMatchObject({
      state: 'early',
      occurrence: series[1],
      opensAt: new Date('2027-03-29T07:30:00Z'),
    });
  });

  it('has ended 30 minutes after the last meeting', () => {
    expect(state('2027-03-29T09:30:00Z')).toEqual({
      state: 'ended',
      lastEnd: new Date('2027-03-29T09:00:00Z'),
    });
  });
});

import { describe, expect, it } from 'vitest';

import { firstSyntheticFodselsnummer, syntheticFodselsnummer } from './syntheticIds.ts';

/*
 * Written apart from the code under test: with each check digit given weight 1, the weighted sum
 * of the digits up to and including a valid check digit is divisible by 11.
 */
const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

function hasValidCheckDigits(number: string): boolean {
  const digits = [...number].map(Number);
  const weighted = (weights: number[]) => weights.reduce((sum, w, i) => sum + w * digits[i]!, 0);

  return (
    /^\d{11}$/.test(number) && weighted(K1_WEIGHTS) % 11 === 0 && weighted(K2_WEIGHTS) % 11 === 0
  );
}

function everyDayOf(year: number): string[] {
  const days: string[] = [];

  for (let d = new Date(Date.UTC(year, 0, 1)); d.getUTCFullYear() === year;) {
    days.push(d.toISOString().slice(0, 10));
    d = new Date(d.getTime() + 86_400_000);
  }

  return days;
}

describe('synthetic fødselsnummer', () => {
  it('the validator in this test accepts a known-good number and refuses altered ones', () => {
    expect(hasValidCheckDigits('14838510036')).toBe(true);
    expect(hasValidCheckDigits('14838510037')).toBe(false);
    expect(hasValidCheckDigits('14838510136')).toBe(false);
    expect(hasValidCheckDigits('1483851003')).toBe(false);
  });

  it('is day, month plus 80, two-digit year, individual number and two check digits', () => {
    expect(syntheticFodselsnummer('1985-03-14', 100)).toBe('14838510036');
    expect(syntheticFodselsnummer('2000-01-05', 7)).toMatch(/^058100007\d\d$/);
  });

  it('has valid mod-11 check digits and a synthetic month for every day of a year', () => {
    for (const day of [...everyDayOf(1952), ...everyDayOf(2004)]) {
      const number = firstSyntheticFodselsnummer(day);
      const [year, month, date] = day.split('-');
      const monthField = Number(number.slice(2, 4));

      expect(number).toHaveLength(11);
      expect(hasValidCheckDigits(number)).toBe(true);
      expect(number.slice(0, 2)).toBe(date);
      expect(monthField).toBe(Number(month) + 80);
      expect(monthField).toBeGreaterThanOrEqual(81);
      expect(monthField).toBeLessThanOrEqual(92);
      expect(number.slice(4, 6)).toBe(year!.slice(2));
    }
  });

  it('never produces the plain month of a real-looking number', () => {
    for (let month = 1; month <= 12; month++) {
      const birthDate = `1970-${String(month).padStart(2, '0')}-15`;

      for (let individual = 100; individual < 200; individual++) {
        let number: string;

        try {
          number = syntheticFodselsnummer(birthDate, individual);
        } catch {
          continue;
        }

        expect(number.slice(2, 4)).not.toBe(String(month).padStart(2, '0'));
        expect(Number(number.slice(2, 4))).toBe(month + 80);
      }
    }
  });

  it('refuses an individual number whose check digit would be 10', () => {
    expect(() => syntheticFodselsnummer('1985-03-14', 102)).toThrow(RangeError);
    expect(() => syntheticFodselsnummer('1985-03-14', 104)).toThrow(RangeError);
  });

  it('firstSyntheticFodselsnummer skips individual numbers without a valid check digit', () => {
    expect(firstSyntheticFodselsnummer('1985-03-14', 102)).toBe('14838510389');
    expect(firstSyntheticFodselsnummer('1985-03-14')).toBe('14838510036');
  });
});

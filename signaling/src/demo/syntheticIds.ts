/**
 * Synthetic Norwegian identity numbers for test and demo data. The month is raised by 80, the
 * convention for synthetic fødselsnummer, so no number made here can belong to a real person; the
 * two check digits follow the ordinary mod-11 rule so that validators accept them.
 */
export function syntheticFodselsnummer(birthDate: string, individualNumber: number): string {
  const [year, month, day] = birthDate.split('-').map(Number) as [number, number, number];
  const base =
    String(day).padStart(2, '0') +
    String(month + 80).padStart(2, '0') +
    String(year % 100).padStart(2, '0') +
    String(individualNumber).padStart(3, '0');
  const digits = base.split('').map(Number);
  const k1 = checkDigit(digits, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
  const k2 = checkDigit([...digits, k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);

  return `${base}${k1}${k2}`;
}

function checkDigit(digits: number[], weights: number[]): number {
  const sum = weights.reduce((acc, w, i) => acc + w * digits[i]!, 0);
  const rest = 11 - (sum % 11);

  if (rest === 11) return 0;
  if (rest === 10) throw new RangeError('no valid check digit; choose another individual number');

  return rest;
}

/** Tries individual numbers from `start` until one gives valid check digits. */
export function firstSyntheticFodselsnummer(birthDate: string, start = 100): string {
  for (let n = start; n < 1000; n++) {
    try {
      return syntheticFodselsnummer(birthDate, n);
    } catch {
      // This individual number gives a check digit of 10; the next one will do.
    }
  }

  throw new RangeError('no synthetic number available for this date');
}

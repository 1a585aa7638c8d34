/** How a meeting repeats, as the schedule form offers it. */
export const REPEATS = ['none', 'daily', 'weekdays', 'weekly', 'biweekly', 'monthly'] as const;
export type Repeat = (typeof REPEATS)[number];

export interface Recurrence {
  repeat: Repeat;
  /** How the series ends: after a number of meetings, or with a date (`2027-06-30`). */
  ends: 'count' | 'until';
  count: number;
  until: string;
}

export const NO_RECURRENCE: Recurrence = { repeat: 'none', ends: 'count', count: 6, until: '' };

const RULES: Record<Exclude<Repeat, 'none'>, string> = {
  daily: 'FREQ=DAILY',
  weekdays: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
  weekly: 'FREQ=WEEKLY',
  biweekly: 'FREQ=WEEKLY;INTERVAL=2',
  monthly: 'FREQ=MONTHLY',
};

/**
 * The RRULE (RFC 5545, without the `RRULE:` prefix) for the form's choices, or null for a single
 * meeting. UNTIL is a date: the server ends the series with that day in Oslo.
 */
export function toRrule(recurrence: Recurrence): string | null {
  if (recurrence.repeat === 'none') return null;

  const end =
    recurrence.ends === 'count'
      ? `COUNT=${recurrence.count}`
      : `UNTIL=${recurrence.until.replace(/-/g, '')}`;

  return `${RULES[recurrence.repeat]};${end}`;
}

/**
 * The form's choices for a stored RRULE, so that a series can be changed; null when the rule is
 * one the form cannot show (made elsewhere), which the form then leaves as it is.
 */
export function fromRrule(rrule: string | null): Recurrence | null {
  if (rrule === null) return NO_RECURRENCE;

  const parts = new Map(
    rrule
      .replace(/^RRULE:/i, '')
      .split(';')
      .map((part) => part.split('=') as [string, string]),
  );
  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  const rest = [...parts]
    .filter(([name]) => name !== 'COUNT' && name !== 'UNTIL' && name !== 'WKST')
    .map(([name, value]) => `${name}=${value}`)
    .join(';');
  const repeat = (Object.keys(RULES) as (keyof typeof RULES)[]).find((r) => RULES[r] === rest);

  if (!repeat) return null;
  if (count) return { repeat, ends: 'count', count: Number(count), until: '' };
  if (until && /^\d{8}/.test(until)) {
    return {
      repeat,
      ends: 'until',
      count: NO_RECURRENCE.count,
      until: `${until.slice(0, 4)}-${until.slice(4, 6)}-${until.slice(6, 8)}`,
    };
  }

  return null;
}

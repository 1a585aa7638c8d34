import { createRequire } from 'node:module';

import type { RRule as RRuleClass } from 'rrule';

import { AppError } from '../errors.ts';
import type { WallClock } from './zonedTime.ts';
import { floating, fromFloating, instantOf, wallClockAt } from './zonedTime.ts';

// rrule ships CommonJS for Node, whose named exports Node cannot see from an ES module.
const { RRule } = createRequire(import.meta.url)('rrule') as { RRule: typeof RRuleClass };

/** When a meeting happens: its first start, its length, and how it repeats, in a time zone. */
export interface Schedule {
  startsAt: Date;
  durationMinutes: number;
  /** Normalised by normaliseRrule(), or null for a single meeting. */
  rrule: string | null;
  timeZone: string;
}

export interface Occurrence {
  start: Date;
  end: Date;
}

/** Most meetings one series may hold. */
export const MAX_OCCURRENCES = 100;
/** Longest a series may run, from its first start to its last. */
const MAX_SERIES_DAYS = 731;

const DAY = '(MO|TU|WE|TH|FR|SA|SU)';
const DAY_MS = 24 * 60 * 60 * 1000;

/** The rule parts accepted, each at most once, in the order the normal form writes them. */
const PARTS: Record<string, RegExp> = {
  FREQ: /^(DAILY|WEEKLY|MONTHLY)$/,
  INTERVAL: /^[1-9]\d?$/,
  BYDAY: new RegExp(`^([+-]?[1-5]?${DAY})(,[+-]?[1-5]?${DAY})*$`),
  BYMONTHDAY: /^-?([1-9]|[12]\d|3[01])(,-?([1-9]|[12]\d|3[01]))*$/,
  WKST: new RegExp(`^${DAY}$`),
  COUNT: /^[1-9]\d{0,2}$/,
  UNTIL: /^\d{8}(T\d{6}Z?)?$/,
};

const invalid = (message: string) => new AppError('invalid_request', message);

/**
 * Checks an RRULE against what Teamrom schedules and writes it in one normal form: parts in a
 * fixed order, and UNTIL in UTC as RFC 5545 requires beside a DTSTART with a time zone. UNTIL may
 * be given as a date (the series ends with that day in the meeting's time zone) or as local time.
 * Refused with `invalid_request`: other frequencies or parts, no end, more than 100 meetings, a
 * series longer than two years, or a first meeting other than `startsAt`.
 */
export function normaliseRrule(value: string, startsAt: Date, timeZone: string): string {
  const parts = new Map<string, string>();

  for (const part of value
    .replace(/^RRULE:/i, '')
    .toUpperCase()
    .split(';')) {
    const [name = '', partValue = '', ...rest] = part.split('=');
    const pattern = PARTS[name];

    if (!pattern) throw invalid(`the recurrence rule part ${name || '(empty)'} is not supported`);
    if (rest.length > 0 || !pattern.test(partValue)) {
      throw invalid(`the recurrence rule part ${name} has a value that is not supported`);
    }
    if (parts.has(name)) throw invalid(`the recurrence rule names ${name} twice`);
    parts.set(name, partValue);
  }

  if (!parts.has('FREQ')) throw invalid('the recurrence rule needs FREQ=DAILY, WEEKLY or MONTHLY');
  if (parts.has('COUNT') === parts.has('UNTIL')) {
    throw invalid('the recurrence rule needs an end: either COUNT or UNTIL');
  }
  if (parts.get('FREQ') !== 'MONTHLY' && /[1-5]/.test(parts.get('BYDAY') ?? '')) {
    throw invalid('numbered weekdays (BYDAY=1MO) need FREQ=MONTHLY');
  }

  const until = parts.get('UNTIL');

  if (until !== undefined) parts.set('UNTIL', utcStamp(untilInstant(until, timeZone)));

  const rrule = Object.keys(PARTS)
    .filter((name) => parts.has(name))
    .map((name) => `${name}=${parts.get(name)}`)
    .join(';');
  const occurrences = expand(
    { startsAt, durationMinutes: 0, rrule, timeZone },
    MAX_OCCURRENCES + 1,
  );

  if (occurrences[0]?.start.getTime() !== startsAt.getTime()) {
    throw invalid('the start must be the first meeting of the series: a day the rule includes');
  }
  if (occurrences.length > MAX_OCCURRENCES) {
    throw invalid(`a series can hold at most ${MAX_OCCURRENCES} meetings`);
  }
  if (occurrences.at(-1)!.start.getTime() - startsAt.getTime() > MAX_SERIES_DAYS * DAY_MS) {
    throw invalid('a series can run for at most two years');
  }

  return rrule;
}

/**
 * Every occurrence of the schedule, in order. The rule is expanded in wall-clock time and each
 * start then placed in the time zone, so a weekly 10:00 meeting in Oslo is at 09:00Z in winter and
 * 08:00Z in summer.
 */
export function occurrencesOf(schedule: Schedule): Occurrence[] {
  return expand(schedule, MAX_OCCURRENCES);
}

function expand(schedule: Schedule, limit: number): Occurrence[] {
  const durationMs = schedule.durationMinutes * 60 * 1000;
  const at = (start: Date) => ({ start, end: new Date(start.getTime() + durationMs) });

  if (schedule.rrule === null) return [at(schedule.startsAt)];

  const options = RRule.parseString(schedule.rrule);
  const rule = new RRule({
    ...options,
    dtstart: floating(wallClockAt(schedule.startsAt, schedule.timeZone)),
    ...(options.until ? { until: floating(wallClockAt(options.until, schedule.timeZone)) } : {}),
  });

  return rule
    .all((_, index) => index < limit)
    .map((local) => at(instantOf(fromFloating(local), schedule.timeZone)));
}

/** UNTIL as given: UTC (`Z`), local date and time, or a date, whose whole day is included. */
function untilInstant(value: string, timeZone: string): Date {
  const wall: WallClock = {
    year: Number(value.slice(0, 4)),
    month: Number(value.slice(4, 6)),
    day: Number(value.slice(6, 8)),
    hour: value.length > 8 ? Number(value.slice(9, 11)) : 23,
    minute: value.length > 8 ? Number(value.slice(11, 13)) : 59,
    second: value.length > 8 ? Number(value.slice(13, 15)) : 59,
  };

  if (Number.isNaN(floating(wall).getTime()) || fromFloating(floating(wall)).day !== wall.day) {
    throw invalid('UNTIL is not a real date');
  }

  return value.endsWith('Z') ? floating(wall) : instantOf(wall, timeZone);
}

/** `20270410T215959Z`. */
export function utcStamp(instant: Date): string {
  return instant
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

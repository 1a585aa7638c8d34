import { AppError } from '../errors.ts';
import type { WallClock } from './zonedTime.ts';
import {
  floating,
  formatLocalDateTime,
  fromFloating,
  instantOf,
  wallClockAt,
  wallClockKind,
} from './zonedTime.ts';

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

/**
 * Most days an expansion looks at, from the first meeting's day: the longest series and a day.
 * Every expansion is bounded by it, whatever the rule says, so that no rule (one whose days never
 * come, say) can keep the server busy.
 */
export const MAX_EXPANSION_DAYS = MAX_SERIES_DAYS + 1;

const DAY = '(MO|TU|WE|TH|FR|SA|SU)';
const DAY_MS = 24 * 60 * 60 * 1000;
/** RFC 5545 weekday names by JavaScript's day number (0 = Sunday). */
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

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

  if (until !== undefined) {
    const instant = untilInstant(until, timeZone);

    // Checked before expanding: a far UNTIL is refused without looking at a single day.
    if (instant.getTime() - startsAt.getTime() > MAX_EXPANSION_DAYS * DAY_MS) {
      throw invalid('a series can run for at most two years');
    }
    parts.set('UNTIL', utcStamp(instant));
  }

  const rrule = Object.keys(PARTS)
    .filter((name) => parts.has(name))
    .map((name) => `${name}=${parts.get(name)}`)
    .join(';');
  const expansion = expand({ startsAt, durationMinutes: 0, rrule, timeZone }, MAX_OCCURRENCES + 1);
  const { occurrences } = expansion;

  if (occurrences[0]?.start.getTime() !== startsAt.getTime()) {
    throw invalid('the start must be the first meeting of the series: a day the rule includes');
  }
  if (occurrences.length > MAX_OCCURRENCES) {
    throw invalid(`a series can hold at most ${MAX_OCCURRENCES} meetings`);
  }
  // A COUNT not reached within the horizon would go on beyond it.
  if (
    expansion.isCut ||
    occurrences.at(-1)!.start.getTime() - startsAt.getTime() > MAX_SERIES_DAYS * DAY_MS
  ) {
    throw invalid('a series can run for at most two years');
  }

  const unclear = expansion.walls.find((wall) => wallClockKind(wall, timeZone) !== 'once');

  if (unclear) {
    const kind = wallClockKind(unclear, timeZone);

    throw new AppError(
      'invalid_request',
      kind === 'gap'
        ? `a meeting of the series would fall at ${formatLocalDateTime(unclear).replace('T', ' ')}, ` +
            'an hour skipped when clocks go forward: choose another time'
        : `a meeting of the series would fall at ${formatLocalDateTime(unclear).replace('T', ' ')}, ` +
            'an hour that happens twice when clocks go back: choose another time',
      {
        localStart: formatLocalDateTime(unclear),
        reason: kind === 'gap' ? 'dst_gap' : 'dst_ambiguous',
      },
    );
  }

  return rrule;
}

/**
 * Every occurrence of the schedule, in order. The rule is expanded in wall-clock time and each
 * start then placed in the time zone, so a weekly 10:00 meeting in Oslo is at 09:00Z in winter and
 * 08:00Z in summer.
 */
export function occurrencesOf(schedule: Schedule): Occurrence[] {
  return expand(schedule, MAX_OCCURRENCES).occurrences;
}

interface Rule {
  freq: 'DAILY' | 'WEEKLY' | 'MONTHLY';
  interval: number;
  /** Weekdays (0 = Sunday), each maybe numbered within the month (1, -1 for the last). */
  byDay: { weekday: number; nth: number | null }[] | null;
  byMonthDay: number[] | null;
  /** First day of the week, 0 = Sunday. */
  weekStart: number;
  count: number | null;
  until: Date | null;
}

/**
 * Expands the rule one day at a time from the first meeting's day, for at most
 * MAX_EXPANSION_DAYS days and `limit` meetings, in wall-clock time, each start then placed in the
 * time zone. `isCut` says that the horizon ended the expansion before the rule did.
 */
function expand(
  schedule: Schedule,
  limit: number,
): { occurrences: Occurrence[]; walls: WallClock[]; isCut: boolean } {
  const durationMs = schedule.durationMinutes * 60 * 1000;
  const at = (start: Date) => ({ start, end: new Date(start.getTime() + durationMs) });

  if (schedule.rrule === null) {
    return {
      occurrences: [at(schedule.startsAt)],
      walls: [wallClockAt(schedule.startsAt, schedule.timeZone)],
      isCut: false,
    };
  }

  const rule = parseRule(schedule.rrule);
  const first = wallClockAt(schedule.startsAt, schedule.timeZone);
  const firstDay = Date.UTC(first.year, first.month - 1, first.day);
  const occurrences: Occurrence[] = [];
  const walls: WallClock[] = [];

  for (let step = 0; step < MAX_EXPANSION_DAYS; step++) {
    const day = new Date(firstDay + step * DAY_MS);

    if (!isRuleDay(rule, day, new Date(firstDay), first)) continue;

    const wall = { ...fromFloating(day), hour: first.hour, minute: first.minute, second: 0 };
    const start = instantOf(wall, schedule.timeZone);

    if (rule.until && start.getTime() > rule.until.getTime()) break;

    occurrences.push(at(start));
    walls.push(wall);
    if (occurrences.length >= limit || occurrences.length === rule.count) {
      return { occurrences, walls, isCut: false };
    }
  }

  return {
    occurrences,
    walls,
    isCut: rule.until === null || rule.until.getTime() >= firstDay + MAX_EXPANSION_DAYS * DAY_MS,
  };
}

/** A rule already checked by normaliseRrule (or stored after it was). */
function parseRule(rrule: string): Rule {
  const parts = new Map(rrule.split(';').map((part) => part.split('=') as [string, string]));
  const weekday = (name: string) => WEEKDAYS.indexOf(name);
  const until = parts.get('UNTIL');

  return {
    freq: parts.get('FREQ') as Rule['freq'],
    interval: Number(parts.get('INTERVAL') ?? 1),
    byDay:
      parts
        .get('BYDAY')
        ?.split(',')
        .map((value) => {
          const match = /^([+-]?\d)?([A-Z]{2})$/.exec(value)!;

          return { weekday: weekday(match[2]!), nth: match[1] ? Number(match[1]) : null };
        }) ?? null,
    byMonthDay: parts.get('BYMONTHDAY')?.split(',').map(Number) ?? null,
    weekStart: weekday(parts.get('WKST') ?? 'MO'),
    count: parts.has('COUNT') ? Number(parts.get('COUNT')) : null,
    until: until === undefined ? null : untilInstant(until, 'UTC'),
  };
}

/** Whether the rule has a meeting on `day` (a floating date), as RFC 5545 expands it. */
function isRuleDay(rule: Rule, day: Date, firstDay: Date, first: WallClock): boolean {
  const date = day.getUTCDate();
  const weekday = day.getUTCDay();
  const daysInMonth = new Date(
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0),
  ).getUTCDate();
  const weekOf = (d: Date) => d.getTime() - ((d.getUTCDay() - rule.weekStart + 7) % 7) * DAY_MS;
  const period =
    rule.freq === 'DAILY'
      ? Math.round((day.getTime() - firstDay.getTime()) / DAY_MS)
      : rule.freq === 'WEEKLY'
        ? Math.round((weekOf(day) - weekOf(firstDay)) / (7 * DAY_MS))
        : (day.getUTCFullYear() - first.year) * 12 + day.getUTCMonth() + 1 - first.month;

  if (period % rule.interval !== 0) return false;

  if (!rule.byDay && !rule.byMonthDay) {
    if (rule.freq === 'WEEKLY') return weekday === firstDay.getUTCDay();
    if (rule.freq === 'MONTHLY') return date === first.day;

    return true;
  }

  const isByDay =
    !rule.byDay ||
    rule.byDay.some(
      (d) =>
        d.weekday === weekday &&
        (d.nth === null ||
          (d.nth > 0
            ? Math.ceil(date / 7) === d.nth
            : Math.floor((daysInMonth - date) / 7) + 1 === -d.nth)),
    );
  const isByMonthDay =
    !rule.byMonthDay ||
    rule.byMonthDay.some((n) => (n > 0 ? date === n : date === daysInMonth + 1 + n));

  return isByDay && isByMonthDay;
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

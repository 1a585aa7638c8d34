import { AppError } from '../errors.ts';

/**
 * Wall-clock time in a time zone, and the instants it stands for. People schedule "Monday at
 * 10:00 in Oslo"; what is stored and compared is an instant, and which instant that is depends on
 * the date, as daylight saving time begins and ends.
 */
export interface WallClock {
  year: number;
  /** 1 to 12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const HOUR_MS = 60 * 60 * 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);

  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }

  return formatter;
}

/** The wall-clock time in `timeZone` at `instant`. */
export function wallClockAt(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {};

  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }

  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The same fields read as if they were UTC: a "floating" time, for calendar arithmetic. */
export function floating(wall: WallClock): Date {
  return new Date(
    Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second),
  );
}

export function fromFloating(date: Date): WallClock {
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

/** The zone's offset from UTC at `instant`, in ms (Oslo: +1 h in winter, +2 h in summer). */
export function offsetAt(instant: Date, timeZone: string): number {
  return floating(wallClockAt(instant, timeZone)).getTime() - instant.getTime();
}

/**
 * The instant a wall-clock time in `timeZone` stands for, as RFC 5545 (3.3.5) reads it: a time
 * that happens twice, when clocks go back, is the first of the two; a time that never happens, when
 * clocks go forward, is read with the offset from before the gap (02:30 on the last Sunday of
 * March in Oslo is 03:30 summer time).
 */
export function instantOf(wall: WallClock, timeZone: string): Date {
  const asUtc = floating(wall).getTime();
  // The offsets in force half a day either side cover any one change of offset.
  const before = offsetAt(new Date(asUtc - 12 * HOUR_MS), timeZone);
  const after = offsetAt(new Date(asUtc + 12 * HOUR_MS), timeZone);
  const matches = [...new Set([before, after])]
    .map((offset) => asUtc - offset)
    .filter((candidate) => sameWallClock(wallClockAt(new Date(candidate), timeZone), wall))
    .sort((a, b) => a - b);

  return new Date(matches[0] ?? asUtc - before);
}

/**
 * Whether a wall-clock time happens once in the zone, never (`gap`: skipped when clocks go
 * forward, 02:30 on the last Sunday of March in Oslo), or twice (`ambiguous`: when clocks go
 * back, 02:30 on the last Sunday of October).
 */
export function wallClockKind(wall: WallClock, timeZone: string): 'once' | 'gap' | 'ambiguous' {
  const asUtc = floating(wall).getTime();
  const offsets = new Set([
    offsetAt(new Date(asUtc - 12 * HOUR_MS), timeZone),
    offsetAt(new Date(asUtc + 12 * HOUR_MS), timeZone),
  ]);
  const matches = [...offsets].filter((offset) =>
    sameWallClock(wallClockAt(new Date(asUtc - offset), timeZone), wall),
  ).length;

  return matches === 0 ? 'gap' : matches > 1 ? 'ambiguous' : 'once';
}

function sameWallClock(a: WallClock, b: WallClock): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    a.second === b.second
  );
}

/**
 * `2027-03-29T10:00` → its fields; the format is checked by the protocol's schema. A date or time
 * that does not exist (30 February, 24:00) is refused with `invalid_request`, never rolled over.
 */
export function parseLocalDateTime(value: string): WallClock {
  const [date = '', time = ''] = value.split('T');
  const [year = NaN, month = NaN, day = NaN] = date.split('-').map(Number);
  const [hour = NaN, minute = NaN] = time.split(':').map(Number);
  const wall = { year, month, day, hour, minute, second: 0 };
  const read = floating(wall);

  if (
    Number.isNaN(read.getTime()) ||
    hour > 23 ||
    minute > 59 ||
    !sameWallClock(fromFloating(read), wall)
  ) {
    throw new AppError('invalid_request', `${value} is not a real date and time`, {
      localStart: value,
    });
  }

  return wall;
}

/** `2027-03-29T10:00`: to the minute, as a person reads it. */
export function formatLocalDateTime(wall: WallClock): string {
  return `${formatDate(wall)}T${pad(wall.hour)}:${pad(wall.minute)}`;
}

/** `2027-03-29`. */
export function formatDate(wall: Pick<WallClock, 'year' | 'month' | 'day'>): string {
  return `${String(wall.year).padStart(4, '0')}-${pad(wall.month)}-${pad(wall.day)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * Meetings are held in Norway: every time a person reads or types is wall-clock time in
 * Europe/Oslo, whatever the device's own time zone.
 */
export const OSLO = 'Europe/Oslo';

/** The Intl locale for a UI language: 24-hour clock in both. */
export function localeOf(language: string): string {
  return language === 'en' ? 'en-GB' : 'nb-NO';
}

/** "mandag 29. mars 2027 kl. 10:00", in Oslo time. */
export function formatDateTime(iso: string | Date, language: string): string {
  return new Intl.DateTimeFormat(localeOf(language), {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: OSLO,
  }).format(new Date(iso));
}

/** "10:00", in Oslo time. */
export function formatTime(iso: string | Date, language: string): string {
  return new Intl.DateTimeFormat(localeOf(language), {
    hour: '2-digit',
    minute: '2-digit',
    timeZone: OSLO,
  }).format(new Date(iso));
}

/** "29. mars 2027" for a calendar date (`2027-03-29`), as it stands, without time zones. */
export function formatCalendarDate(date: string, language: string): string {
  return new Intl.DateTimeFormat(localeOf(language), {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${date}T00:00:00Z`));
}

/** The wall-clock time in Oslo at `instant`, to the minute, as a form holds it: `2027-03-29T10:00`. */
export function osloLocal(instant: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: OSLO,
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;

  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** The next whole quarter hour at least `leadMinutes` from `now`, in Oslo time: a form's default. */
export function suggestedStart(now: Date, leadMinutes = 60): string {
  const quarter = 15 * 60 * 1000;
  const at = new Date(Math.ceil((now.getTime() + leadMinutes * 60 * 1000) / quarter) * quarter);

  return osloLocal(at);
}

/** Whole minutes from `since` to `now`, never negative. */
export function minutesSince(since: string | Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - new Date(since).getTime()) / 60_000));
}

/**
 * Whether a wall-clock time (`2027-03-28T02:30`) is skipped in Oslo, the night the clocks go
 * forward to summer time: no instant has it.
 */
export function isSkippedInOslo(local: string): boolean {
  const asUtc = Date.parse(`${local}:00Z`);

  if (Number.isNaN(asUtc)) return false;

  // Oslo is one or two hours ahead of UTC.
  return ![1, 2].some((hours) => osloLocal(new Date(asUtc - hours * 3_600_000)) === local);
}

/** Whether two instants fall on the same day in Oslo. */
export function isSameOsloDay(a: string | number | Date, b: string | number | Date): boolean {
  return osloLocal(new Date(a)).slice(0, 10) === osloLocal(new Date(b)).slice(0, 10);
}

/** "fredag 5. mars", in Oslo time: a day close enough that the year goes without saying. */
export function formatDay(iso: string | Date, language: string): string {
  return new Intl.DateTimeFormat(localeOf(language), {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    timeZone: OSLO,
  }).format(new Date(iso));
}

import { RequestError } from '../lib/request.ts';
import type { Translated } from './rowErrorText.ts';

/** What a refusal of `scheduling:schedule` or `scheduling:reschedule` carries. */
export interface Refusal {
  code: string;
  message: string;
  details?: unknown;
}

/*
 * NOTE: the server refuses a badly filled-in meeting with `invalid_request` and an English
 * message; a time that the change of daylight saving time skips or repeats also with
 * `details.reason` (`dst_gap`, `dst_ambiguous`), and a malformed field with the schema's issues
 * in `details` ({ path, message }). The other reasons are recognised by the server's wording
 * (signaling/src/scheduling/SchedulingService.ts, recurrence.ts, zonedTime.ts); any other
 * refusal gets the general text.
 */
const BY_REASON: Record<string, string> = {
  dst_gap: 'schedule.refusal.daylightSavingGap',
  dst_ambiguous: 'schedule.refusal.daylightSavingRepeat',
};

const BY_MESSAGE: [RegExp, string, string[]][] = [
  [/cannot start in the past/, 'schedule.pastStart', []],
  [/at most (\d+) meetings/, 'schedule.refusal.tooManyMeetings', ['max']],
  [/at most two years/, 'schedule.refusal.tooLongSeries', []],
  [/start must be the first meeting of the series/, 'schedule.refusal.startNotInRule', []],
  [/not a real date/, 'schedule.refusal.invalidDate', []],
  [/does not exist|hour skipped/, 'schedule.refusal.daylightSavingGap', []],
  [/happens twice/, 'schedule.refusal.daylightSavingRepeat', []],
];

/** The message for a refused schedule or change, in the client's words. */
export function schedulingRefusal(refusal: Refusal): Translated {
  if (refusal.code !== 'invalid_request') return { key: `errors.${refusal.code}`, values: {} };

  const details = refusal.details;
  const reason =
    details && typeof details === 'object' && 'reason' in details ? details.reason : undefined;

  if (typeof reason === 'string' && BY_REASON[reason])
    return { key: BY_REASON[reason], values: {} };

  const messages = [
    refusal.message,
    ...(Array.isArray(details)
      ? details.map((issue: unknown) =>
          issue && typeof issue === 'object' && 'message' in issue ? String(issue.message) : '',
        )
      : []),
  ];

  for (const message of messages) {
    for (const [pattern, key, names] of BY_MESSAGE) {
      const match = pattern.exec(message);

      if (match) {
        return { key, values: Object.fromEntries(names.map((n, i) => [n, match[i + 1]!])) };
      }
    }
  }

  return { key: 'schedule.invalid', values: {} };
}

/** The message for whatever a schedule or change failed with. */
export function refusalOf(error: unknown): Translated {
  return error instanceof RequestError
    ? schedulingRefusal(error)
    : { key: 'errors.internal', values: {} };
}

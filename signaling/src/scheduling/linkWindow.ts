import { LINK_CLOSES_MINUTES_AFTER, LINK_OPENS_MINUTES_BEFORE } from '../protocol/index.ts';
import type { Occurrence } from './recurrence.ts';

const MINUTE_MS = 60 * 1000;

/**
 * Where `now` falls among a meeting's occurrences, for those who come in with a personal link:
 * each occurrence can be entered from LINK_OPENS_MINUTES_BEFORE its start to
 * LINK_CLOSES_MINUTES_AFTER its end.
 */
export type LinkWindow =
  | { state: 'open'; occurrence: Occurrence; closesAt: Date }
  | { state: 'early'; occurrence: Occurrence; opensAt: Date }
  | { state: 'ended'; lastEnd: Date };

export function linkWindowAt(occurrences: readonly Occurrence[], now: Date): LinkWindow {
  const time = now.getTime();

  for (const occurrence of occurrences) {
    const opensAt = new Date(occurrence.start.getTime() - LINK_OPENS_MINUTES_BEFORE * MINUTE_MS);
    const closesAt = new Date(occurrence.end.getTime() + LINK_CLOSES_MINUTES_AFTER * MINUTE_MS);

    if (time < opensAt.getTime()) return { state: 'early', occurrence, opensAt };
    if (time < closesAt.getTime()) return { state: 'open', occurrence, closesAt };
  }

  return { state: 'ended', lastEnd: occurrences.at(-1)!.end };
}

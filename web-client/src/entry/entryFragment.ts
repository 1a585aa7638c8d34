/**
 * What a meeting's address was opened with, after the `#`: an access token, a personal link, and
 * `precheck=0` to skip the sound and picture check. Reading it cleans the address bar, and React
 * may render the meeting's entry more than once before it shows it: a render that an update
 * interrupted, or one that suspended, is thrown away with its state. So a second reading finds
 * what the first took, until the entry is shown; a link that says "no check" then never shows one.
 */
const taken = new Map<string, string>();

/** The fragment of the address just opened, or the one taken for this meeting before. */
export function takeEntryFragment(meetingId: string, hash: string): URLSearchParams {
  const fragment = hash.replace(/^#/, '');

  if (fragment) taken.set(meetingId, fragment);

  return new URLSearchParams(taken.get(meetingId) ?? '');
}

/** Forgets the fragment once the entry it opened is shown: a later opening reads its own. */
export function forgetEntryFragment(meetingId: string): void {
  taken.delete(meetingId);
}

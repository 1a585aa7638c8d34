import { readClaims } from '../lib/tokenClaims.ts';

/**
 * The meeting a personal link was made for, read from its token without checking the signature
 * (the server does that when the link is opened); null when the link cannot be read.
 */
export function meetingOfLink(link: string): string | null {
  return readClaims(link)?.meetingId ?? null;
}

/**
 * The address a personal link belongs at, when it was opened under another meeting's address
 * (`/m/<B>#link=<a link to A>`, a link pasted after the wrong address): the link's own meeting
 * page, fragment and all. Null when the address is right or holds no readable link.
 */
export function addressOfLink(meetingId: string, hash: string): string | null {
  const link = new URLSearchParams(hash.replace(/^#/, '')).get('link');
  const owner = link ? meetingOfLink(link) : null;

  return owner && owner !== meetingId ? `/m/${encodeURIComponent(owner)}${hash}` : null;
}

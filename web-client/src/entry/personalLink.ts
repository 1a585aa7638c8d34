import type { LinkResponse, LinkSession } from '@teamrom/signaling/protocol';

import { api } from '../lib/http.ts';
import { meetingOfLink } from './linkMeeting.ts';

/**
 * Kept by the meeting the link was made for, whatever address it was opened under: a key kept
 * under another meeting would not be found when the right address is opened.
 */
const deviceKeyOf = (meetingId: string, link: string) =>
  `teamrom.device.${meetingOfLink(link) ?? meetingId}`;
const linkKeyOf = (meetingId: string) => `teamrom.personalLink.${meetingId}`;

/**
 * The personal link of a meeting in this tab: the one in the address just opened (kept, so that
 * a reload finds it once the address bar is cleaned), else the one kept earlier.
 */
export function personalLink(meetingId: string, fromAddress: string | null): string | null {
  if (fromAddress) sessionStorage.setItem(linkKeyOf(meetingId), fromAddress);

  return sessionStorage.getItem(linkKeyOf(meetingId));
}

/**
 * Exchanges a personal link for a session token (POST /api/links/open). The link works on the
 * device that first opened it: the key the server hands that device is kept in local storage, by
 * meeting, and sent with every later opening.
 */
export function openPersonalLink(meetingId: string, link: string): Promise<OpenedLink> {
  // Two openings at once from this device would race to bind the link, and one would be told
  // that it was used elsewhere: they share one request.
  let opening = openings.get(link);

  if (!opening) {
    opening = exchange(meetingId, link).finally(() => openings.delete(link));
    openings.set(link, opening);
  }

  return opening;
}

/** What opening a link answers, with the language of the person's invitation. */
export type OpenedLink = LinkSession;

const openings = new Map<string, Promise<OpenedLink>>();

async function exchange(meetingId: string, link: string): Promise<OpenedLink> {
  const deviceKey = localStorage.getItem(deviceKeyOf(meetingId, link)) ?? undefined;
  const session = await api<OpenedLink>('/api/links/open', {
    method: 'POST',
    json: { link, ...(deviceKey ? { deviceKey } : {}) },
  });

  localStorage.setItem(deviceKeyOf(session.meetingId, link), session.deviceKey);

  return session;
}

/** Accepts or declines the meeting with the personal link, before the meeting has ended. */
export function respondByLink(
  meetingId: string,
  link: string,
  response: 'accepted' | 'declined',
): Promise<LinkResponse> {
  const deviceKey = localStorage.getItem(deviceKeyOf(meetingId, link)) ?? undefined;

  return api<LinkResponse>('/api/links/respond', {
    method: 'POST',
    json: { link, response, ...(deviceKey ? { deviceKey } : {}) },
  });
}

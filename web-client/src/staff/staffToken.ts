import { AccessToken } from '../lib/AccessToken.ts';
import { isStaffRole, readClaims } from '../lib/tokenClaims.ts';

const KEY = 'teamrom.staff.token';
const LINK_KEY = `${KEY}.link`;

let held: AccessToken | null | undefined;

/**
 * Whether a token is a team member's own (signed in, not limited to one meeting): the one that
 * opens the staff pages and lets them into any meeting of their patients.
 */
export function isStaffToken(token: string): boolean {
  const claims = readClaims(token);

  return claims !== null && isStaffRole(claims.role) && claims.meetingId === undefined;
}

/**
 * Takes a staff token handed over in the address's fragment (`/#token=...`), keeps it for this
 * tab and removes it from the address bar. Answers the tab's staff token, or null.
 */
export function takeStaffToken(): AccessToken | null {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const fromLink = params.get('token');

  if (fromLink) {
    history.replaceState(null, '', window.location.pathname + window.location.search);
    if (isStaffToken(fromLink)) {
      sessionStorage.setItem(KEY, fromLink);
      sessionStorage.setItem(LINK_KEY, fromLink);
      held = undefined;
    }
  }

  return staffToken();
}

/** This tab's staff token, renewed while anything holds it; null when nobody signed in here. */
export function staffToken(): AccessToken | null {
  if (held !== undefined) return held;

  const token = sessionStorage.getItem(KEY);

  held =
    token && isStaffToken(token)
      ? new AccessToken(token, {
          link: sessionStorage.getItem(LINK_KEY),
          storage: sessionStorage,
          storageKey: KEY,
        })
      : null;

  return held;
}

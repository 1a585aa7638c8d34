import { Store } from './Store.ts';

/** Where the page is: the part of the address the client routes on. */
export interface Place {
  pathname: string;
  search: URLSearchParams;
}

function here(): Place {
  return {
    pathname: window.location.pathname,
    search: new URLSearchParams(window.location.search),
  };
}

/**
 * The address of this single-page client. Moving between pages keeps the tab's connections (a
 * ring that is calling, the staff connection that receives calls) instead of loading anew.
 */
export const place = new Store<Place>(here());

let hasNavigated = false;

window.addEventListener('popstate', () => {
  hasNavigated = true;
  place.update(here());
});

/** Goes to an address of this client without loading the page again. */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  hasNavigated = true;
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  place.update(here());
  window.scrollTo(0, 0);
}

/** Whether the person moved here within the client, so that focus should follow them. */
export function wasNavigated(): boolean {
  return hasNavigated;
}

/**
 * A staff page's address. Staff pages live at the root with a query (`/?view=worklist`): the
 * server serves the client at `/` and `/m/<id>` only, and a reload must land on the same page.
 */
export function staffHref(view: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(view === 'home' ? params : { view, ...params });
  const text = query.toString();

  return text ? `/?${text}` : '/';
}

export function meetingHref(meetingId: string): string {
  return `/m/${encodeURIComponent(meetingId)}`;
}

import type { CarePlanAction } from '@teamrom/signaling/protocol';

const locale = (language: string) => (language === 'nb' ? 'nb-NO' : 'en-GB');

/** A plan date ('2026-12-20') as people of the page's language write it. */
export function formatDate(date: string, language: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];

  return new Intl.DateTimeFormat(locale(language), {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(new Date(year, month - 1, day));
}

/** A moment (an ISO timestamp) as a date and a time of day. Empty when there is none yet. */
export function formatDateTime(timestamp: string, language: string): string {
  const moment = new Date(timestamp);

  if (!timestamp || Number.isNaN(moment.getTime())) return '';

  return new Intl.DateTimeFormat(locale(language), {
    dateStyle: 'long',
    timeStyle: 'short',
  }).format(moment);
}

/** Today as a plan date, in the user's own time zone. */
export function today(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');

  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** An action not finished or cancelled whose due date has passed. */
export function isOverdue(action: CarePlanAction, on: string): boolean {
  if (action.status === 'done' || action.status === 'cancelled') return false;

  return action.dueDate !== null && action.dueDate < on;
}

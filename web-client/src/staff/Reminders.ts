import type { MyMeeting } from '@teamrom/signaling/protocol';
import { JOIN_OPENS_MINUTES_BEFORE } from '@teamrom/signaling/protocol';

import { Store } from '../lib/Store.ts';
import type { StaffConnection } from './StaffConnection.ts';

/** Whether a due meeting has begun, as of the reminders' last check. */
export function hasStarted(meeting: MyMeeting, state: RemindersState): boolean {
  return Date.parse(meeting.startsAt) <= state.now;
}

/** How often the list of meetings is fetched again, for meetings scheduled meanwhile. */
const REFRESH_MS = 5 * 60 * 1000;
const REMIND_BEFORE_MS = JOIN_OPENS_MINUTES_BEFORE * 60 * 1000;
const DISMISSED_KEY = 'teamrom.reminders.dismissed';

export interface RemindersState {
  /** Meetings starting within ten minutes (or begun), not dismissed, soonest first. */
  due: MyMeeting[];
  /** When this was worked out; checked again as each due meeting starts, to say it has begun. */
  now: number;
}

const keyOf = (m: MyMeeting) => `${m.meetingId}@${m.startsAt}`;

/**
 * The in-app reminder: ten minutes before each of the person's meetings (when its join button
 * opens) it is due, until it is dismissed or the meeting has ended. Timers run on this device's
 * clock; the list comes from "My meetings" and is fetched again now and then.
 */
export class Reminders {
  readonly state = new Store<RemindersState>({ due: [], now: Date.now() });
  readonly #connection: Pick<StaffConnection, 'socket' | 'ask'>;
  #upcoming: MyMeeting[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #refresh: ReturnType<typeof setInterval> | null = null;

  constructor(connection: Pick<StaffConnection, 'socket' | 'ask'>) {
    this.#connection = connection;
    connection.socket.on('connect', () => void this.refresh());
    this.#refresh = setInterval(() => void this.refresh(), REFRESH_MS);
  }

  /** Fetches the person's meetings; pages that change one call it too. */
  async refresh(): Promise<void> {
    try {
      const { upcoming } = await this.#connection.ask('scheduling:myMeetings', {});

      this.#upcoming = upcoming.filter((m) => m.status === 'scheduled');
      this.#check();
    } catch {
      // Tried again on the next connection or refresh.
    }
  }

  dismiss(meeting: MyMeeting): void {
    const dismissed = readDismissed();

    dismissed.add(keyOf(meeting));
    sessionStorage.setItem(DISMISSED_KEY, JSON.stringify([...dismissed]));
    this.#check();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#refresh) clearInterval(this.#refresh);
  }

  /** Works out what is due now, and sets a timer for the next one to become due or to end. */
  #check = (): void => {
    const now = Date.now();
    const dismissed = readDismissed();
    const due = this.#upcoming.filter(
      (m) =>
        Date.parse(m.startsAt) - REMIND_BEFORE_MS <= now &&
        Date.parse(m.endsAt) > now &&
        !dismissed.has(keyOf(m)),
    );
    const moments = this.#upcoming
      .flatMap((m) => [
        Date.parse(m.startsAt) - REMIND_BEFORE_MS,
        Date.parse(m.startsAt),
        Date.parse(m.endsAt),
      ])
      .filter((t) => t > now);

    this.state.update({ due, now });
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (moments.length > 0) {
      // Checked at least every minute: timers run late in a sleeping tab.
      this.#timer = setTimeout(this.#check, Math.min(Math.min(...moments) - now + 50, 60_000));
    }
  };
}

function readDismissed(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(DISMISSED_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

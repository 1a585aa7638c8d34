import type { CarePlan, PlanOperationApplied } from '@teamrom/signaling/protocol';

import { Store } from '../lib/Store.ts';
import type { CarePlanStore } from './CarePlanStore.ts';

/** How long changes are gathered before they are announced: a burst is one announcement. */
export const GATHER_MS = 1500;
/** The least time between two announcements, so that a screen reader is not talked over. */
export const MIN_INTERVAL_MS = 5000;

/** A change someone else made, with the plan just after it (to name what it refers to). */
export interface PlanChangeNews {
  applied: PlanOperationApplied;
  plan: CarePlan;
}

export interface Announcement {
  /** New for every announcement, so that the same words are announced again. */
  id: number;
  /** Oldest first; never empty. */
  changes: PlanChangeNews[];
}

/**
 * Tells screen-reader users of changes others make to the plan while they have it open, politely
 * and at most once per burst: the changes of a few seconds become one announcement. This
 * client's own changes are not announced.
 */
export class PlanAnnouncer {
  readonly state = new Store<{ announcement: Announcement | null }>({ announcement: null });
  readonly #store: CarePlanStore;
  readonly #stopListening: () => void;
  #gathered: PlanChangeNews[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastAnnouncedAt = Number.NEGATIVE_INFINITY;
  #count = 0;

  constructor(store: CarePlanStore) {
    this.#store = store;
    this.#stopListening = store.onApplied(this.#onApplied);
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#stopListening();
  }

  #onApplied = (applied: PlanOperationApplied, plan: CarePlan) => {
    if (this.#store.isOwnChange(applied)) return;

    this.#gathered.push({ applied, plan });
    if (this.#timer) return;

    const wait = Math.max(GATHER_MS, this.#lastAnnouncedAt + MIN_INTERVAL_MS - Date.now());

    this.#timer = setTimeout(this.#announce, wait);
  };

  #announce = () => {
    // The server tells everyone of a change before it answers its author: by now it has, and
    // this client's own changes are known as such.
    const changes = this.#gathered.filter((c) => !this.#store.isOwnChange(c.applied));

    this.#timer = null;
    this.#gathered = [];
    if (changes.length === 0) return;

    this.#lastAnnouncedAt = Date.now();
    this.state.update({ announcement: { id: ++this.#count, changes } });
  };
}

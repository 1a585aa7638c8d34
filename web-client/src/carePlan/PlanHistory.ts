import type {
  PlanDirectory,
  PlanHistoryEntry,
  PlanOperationApplied,
} from '@teamrom/signaling/protocol';

import { RequestError, request } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import type { TeamromSocket } from '../meeting/MeetingSession.ts';
import type { CarePlanStore } from './CarePlanStore.ts';

export interface PlanHistoryState {
  status: 'loading' | 'ready' | 'failed';
  /** Oldest first. */
  entries: PlanHistoryEntry[];
  /** Why the last load failed: an error code of the protocol, or `timeout`. */
  error: string | null;
  /**
   * Some versions are not listed: they reached this client with a fresh opening of the plan, not
   * one by one. Loading the history again lists them.
   */
  hasGap: boolean;
}

/**
 * A plan's history while it is shown. It is read from the server once, when shown, and again
 * only on request: every read is audited, and the patient sees each in "who has seen my plan".
 * Changes made while it is shown are added from the operations the plan store receives anyway.
 */
export class PlanHistory {
  readonly state = new Store<PlanHistoryState>({
    status: 'loading',
    entries: [],
    error: null,
    hasGap: false,
  });
  readonly #socket: TeamromSocket;
  readonly #store: CarePlanStore;
  readonly #stopListening: () => void;
  #attempt = 0;

  constructor(socket: TeamromSocket, store: CarePlanStore) {
    this.#socket = socket;
    this.#store = store;
    this.#stopListening = store.onApplied(this.#onApplied);
  }

  async load(): Promise<void> {
    const attempt = ++this.#attempt;

    this.state.update({ status: 'loading', error: null });

    try {
      const read = await request(this.#socket, 'careplan:history', {
        planId: this.#store.planId,
      });

      if (attempt !== this.#attempt) return;

      // What arrived while the history was being read stays; the server's entries name authors
      // the plan's directory may not know.
      this.#set([...this.state.get().entries, ...read], 'ready');
    } catch (error) {
      if (attempt !== this.#attempt) return;

      this.state.update({
        status: 'failed',
        error: error instanceof RequestError ? error.code : 'internal',
      });
    }
  }

  dispose(): void {
    this.#attempt++;
    this.#stopListening();
  }

  #onApplied = (applied: PlanOperationApplied) => {
    const entry = historyEntry(applied, this.#store.state.get().directory);

    this.#set([...this.state.get().entries, entry], this.state.get().status);
  };

  #set(entries: PlanHistoryEntry[], status: PlanHistoryState['status']): void {
    const byVersion = new Map(entries.map((e) => [e.version, e]));
    const sorted = [...byVersion.values()].sort((a, b) => a.version - b.version);
    const hasGap = sorted.some((e, i) => i > 0 && e.version !== sorted[i - 1]!.version + 1);

    this.state.update({ entries: sorted, status, hasGap: status === 'ready' && hasGap });
  }
}

/** An entry of the history built on this client, with the author named from the plan's directory. */
export function historyEntry(
  applied: PlanOperationApplied,
  directory: PlanDirectory,
): PlanHistoryEntry {
  const author = directory.persons[applied.authorId];

  // An author the directory does not know is named "unknown person" when shown.
  return { ...applied, authorName: author?.name ?? '', authorRole: author?.role ?? null };
}

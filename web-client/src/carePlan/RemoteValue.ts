import { RequestError } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';

export interface RemoteValueState<T> {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  value: T | null;
  /** Why the last load failed: an error code of the protocol, or `timeout`. */
  error: string | null;
}

/**
 * Something read from the server on demand (a plan's history, an earlier version, the access log),
 * with its loading state. A load started after another wins; the earlier answer is dropped.
 */
export class RemoteValue<T> {
  readonly state = new Store<RemoteValueState<T>>({ status: 'idle', value: null, error: null });
  readonly #fetch: () => Promise<T>;
  #attempt = 0;

  constructor(fetch: () => Promise<T>) {
    this.#fetch = fetch;
  }

  async load(): Promise<void> {
    const attempt = ++this.#attempt;

    this.state.update({ status: 'loading', error: null });

    try {
      const value = await this.#fetch();

      if (attempt === this.#attempt) this.state.update({ status: 'ready', value });
    } catch (error) {
      if (attempt !== this.#attempt) return;

      this.state.update({
        status: 'failed',
        error: error instanceof RequestError ? error.code : 'internal',
      });
    }
  }
}

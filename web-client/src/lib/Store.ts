/** A value that components can subscribe to with useSyncExternalStore. */
export class Store<T> {
  #value: T;
  readonly #listeners = new Set<() => void>();

  constructor(initial: T) {
    this.#value = initial;
  }

  get = (): T => this.#value;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);

    return () => this.#listeners.delete(listener);
  };

  update(change: Partial<T> | ((current: T) => T)): void {
    this.#value =
      typeof change === 'function' ? change(this.#value) : { ...this.#value, ...change };
    for (const listener of this.#listeners) listener();
  }
}

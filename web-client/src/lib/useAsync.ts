import { useCallback, useEffect, useState } from 'react';
import type { DependencyList } from 'react';

import { RequestError } from './request.ts';

export interface Loaded<T> {
  status: 'loading' | 'ready' | 'failed';
  data: T | null;
  /** Why loading failed, as an i18n key under `errors.`. */
  error: string | null;
  /** Loads again, keeping what is shown until the answer comes. */
  reload: () => void;
  /** Shows a newer value, such as the answer to a change. */
  set: (data: T) => void;
}

/** Loads something for a page; loads again when `deps` change. An answer that came late is dropped. */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<Omit<Loaded<T>, 'reload' | 'set'>>({
    status: 'loading',
    data: null,
    error: null,
  });
  const [attempt, setAttempt] = useState(0);
  // The caller names what `load` depends on, as with useEffect.
  const run = useCallback(load, deps);

  useEffect(() => {
    let isCurrent = true;

    setState((s) => ({ ...s, status: s.data === null ? 'loading' : s.status, error: null }));
    run().then(
      (data) => {
        if (isCurrent) setState({ status: 'ready', data, error: null });
      },
      (error: unknown) => {
        if (!isCurrent) return;

        const code = error instanceof RequestError ? error.code : 'internal';

        setState((s) => ({
          ...s,
          status: s.data === null ? 'failed' : s.status,
          error: `errors.${code}`,
        }));
      },
    );

    return () => {
      isCurrent = false;
    };
  }, [run, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const set = useCallback((data: T) => setState({ status: 'ready', data, error: null }), []);

  return { ...state, reload, set };
}

/** The i18n key of an error under `errors.`. */
export function errorKey(error: unknown): string {
  return `errors.${error instanceof RequestError ? error.code : 'internal'}`;
}

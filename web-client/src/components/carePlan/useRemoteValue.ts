import { useEffect, useState } from 'react';

import { RemoteValue } from '../../carePlan/RemoteValue.ts';
import type { RemoteValueState } from '../../carePlan/RemoteValue.ts';
import { useStore } from '../../lib/useStore.ts';

/**
 * Reads something from the server when the component mounts, and again whenever one of `keys`
 * changes. `fetch` is taken from the first render; what it reads must come through `keys`.
 */
export function useRemoteValue<T>(
  fetch: () => Promise<T>,
  keys: readonly unknown[],
): RemoteValueState<T> & { reload: () => void } {
  const [remote] = useState(() => new RemoteValue(fetch));
  const state = useStore(remote.state);

  useEffect(() => {
    void remote.load();
  }, [remote, ...keys]);

  return { ...state, reload: () => void remote.load() };
}

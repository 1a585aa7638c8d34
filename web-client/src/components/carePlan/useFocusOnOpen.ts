import { useEffect, useRef } from 'react';

/**
 * Puts the focus in a form when it opens, so that keyboard and screen-reader users land where
 * they are to type. (Where the focus goes when it closes is up to the button that opened it.)
 */
export function useFocusOnOpen<T extends HTMLElement>() {
  const first = useRef<T>(null);

  useEffect(() => {
    first.current?.focus();
  }, []);

  return first;
}

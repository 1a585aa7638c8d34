import { useEffect, useRef } from 'react';

/** Resizes settle for this long before a new height is reported (a window being dragged). */
const SETTLE_MS = 250;

/**
 * Calls `onHeight` with the height an element is drawn at, in CSS pixels, once it has settled:
 * when it appears, and after each resize (a window resized, the view switched, a panel opened).
 */
export function useDrawnHeight<E extends HTMLElement>(onHeight: (height: number) => void) {
  const ref = useRef<E>(null);
  const callback = useRef(onHeight);

  callback.current = onHeight;

  useEffect(() => {
    const element = ref.current;

    if (!element) return;

    let timer: ReturnType<typeof setTimeout> | undefined;
    const report = () => callback.current(Math.round(element.getBoundingClientRect().height));
    const observer = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(report, SETTLE_MS);
    });

    report();
    observer.observe(element);

    return () => {
      clearTimeout(timer);
      observer.disconnect();
    };
  }, []);

  return ref;
}

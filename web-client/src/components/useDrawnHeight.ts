import { useEffect, useRef } from 'react';

/** Resizes settle for this long before a new height is reported (a window being dragged). */
const SETTLE_MS = 250;

/**
 * Calls `onHeight` with the height an element is drawn at, in CSS pixels, once it has settled:
 * when it appears, after each resize (a window resized, the view switched, a panel opened), and
 * when what it is reported for changes.
 */
export function useDrawnHeight<E extends HTMLElement>(
  onHeight: (height: number) => void,
  /**
   * What the height is reported for (e.g. a tile's consumer and role): when it changes, the
   * height is reported again at once, though the element kept its size. A consumer that arrives
   * after its tile was drawn is otherwise never told where it is shown.
   */
  subject?: string,
) {
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

    observer.observe(element);

    return () => {
      clearTimeout(timer);
      observer.disconnect();
    };
  }, []);

  // On mount, and whenever the subject changes.
  useEffect(() => {
    const element = ref.current;

    if (element) callback.current(Math.round(element.getBoundingClientRect().height));
  }, [subject]);

  return ref;
}

import { useEffect, useRef } from 'react';

/**
 * For a view that replaces another without a page load (the waiting room, "not open yet"): names
 * the tab after it and moves the focus to its heading (give it tabIndex -1), so that a screen
 * reader announces where the person is instead of leaving the focus on a removed element.
 */
export function useViewHeading<T extends HTMLElement = HTMLHeadingElement>(
  title: string,
  /** What, when it changes, makes it another view: the title by default. */
  view: string = title,
) {
  const heading = useRef<T>(null);

  useEffect(() => {
    document.title = `${title} – Teamrom`;
  }, [title]);

  useEffect(() => {
    heading.current?.focus();
  }, [view]);

  return heading;
}

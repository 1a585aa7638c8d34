import { useEffect, useRef } from 'react';

import { wasNavigated } from '../lib/navigation.ts';

/**
 * A page's main heading. It names the tab too, and takes the focus when the person came here
 * within the client, so that a screen reader announces the new page as it would after a load.
 */
export function PageTitle({ children }: { children: string }) {
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = `${children} – Teamrom`;
  }, [children]);

  useEffect(() => {
    if (wasNavigated()) heading.current?.focus();
  }, []);

  return (
    <h1 ref={heading} tabIndex={-1} className="page-title">
      {children}
    </h1>
  );
}

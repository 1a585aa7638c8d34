import type { AnchorHTMLAttributes, MouseEvent } from 'react';

import { navigate } from '../lib/navigation.ts';

/**
 * A link within the client: followed without loading the page again, so that the tab's
 * connections (a call being made, calls that may ring) carry on. Opening it in a new tab or window
 * still works as with any link.
 */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { onClick, ...rest } = props;

  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      props.target
    ) {
      return;
    }

    event.preventDefault();
    navigate(props.href);
  };

  return <a {...rest} onClick={follow} />;
}

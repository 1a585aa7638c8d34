import type { ReactNode } from 'react';

/** One line saying how a check went: a mark that does not rely on colour, and the words. */
export function CheckStatus(props: { tone: 'ok' | 'problem' | 'pending'; children: ReactNode }) {
  const mark = props.tone === 'ok' ? '✓' : props.tone === 'problem' ? '!' : '…';

  return (
    <p className={`check-status ${props.tone}`} role="status">
      <span className="mark" aria-hidden="true">
        {mark}
      </span>{' '}
      {props.children}
    </p>
  );
}

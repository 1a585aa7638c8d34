import type { LinkTimes } from '@teamrom/signaling/protocol';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { OpenedLink } from '../../entry/personalLink.ts';
import { openPersonalLink } from '../../entry/personalLink.ts';
import { RequestError } from '../../lib/request.ts';
import { LanguageSelect } from '../LanguageSelect.tsx';
import { LinkProblem } from './LinkProblem.tsx';

type Opening =
  | { status: 'opening' }
  | { status: 'refused'; code: RequestError['code']; times: LinkTimes | null };

/** Longest wait before trying a link that is not open yet again, in case the device slept. */
const RETRY_AT_MOST_MS = 60_000;

/**
 * The personal link of a patient, relative or interpreter: exchanged for their access to the
 * meeting, or a plain explanation of why it does not work now. A link opened too early tries
 * again by itself when the meeting opens, so the page can simply be left open.
 */
export function LinkEntry(props: {
  meetingId: string;
  link: string;
  onOpened: (session: OpenedLink) => void;
}) {
  const { meetingId, link, onOpened } = props;
  const { t } = useTranslation();
  const [opening, setOpening] = useState<Opening>({ status: 'opening' });

  // Trying again by itself keeps what is shown until the answer comes, so that the focus and
  // whatever the person is doing on the page stay where they are.
  const open = useCallback(
    (options: { isQuiet?: boolean } = {}) => {
      if (!options.isQuiet) setOpening({ status: 'opening' });
      openPersonalLink(meetingId, link).then(onOpened, (error: unknown) => {
        const code = error instanceof RequestError ? error.code : 'internal';
        const times =
          code === 'link_not_open_yet' ? ((error as RequestError).details as LinkTimes) : null;

        setOpening({ status: 'refused', code, times });
      });
    },
    [meetingId, link, onOpened],
  );

  useEffect(() => open(), [open]);

  useEffect(() => {
    if (opening.status !== 'refused' || !opening.times) return;

    const wait = Math.max(1000, Date.parse(opening.times.opensAt) - Date.now() + 1000);
    const timer = setTimeout(() => open({ isQuiet: true }), Math.min(wait, RETRY_AT_MOST_MS));

    return () => clearTimeout(timer);
  }, [opening, open]);

  // A refusal names the tab itself (LinkProblem).
  useEffect(() => {
    if (opening.status === 'opening') document.title = `${t('entry.title')} – Teamrom`;
  }, [opening.status, t]);

  return (
    <div className="page entry">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <h1>{t('entry.title')}</h1>
        <LanguageSelect />
      </header>
      <main id="main">
        {opening.status === 'opening' ? (
          <p className="lead" role="status">
            {t('entry.opening')}
          </p>
        ) : (
          <LinkProblem
            meetingId={meetingId}
            link={link}
            code={opening.code}
            times={opening.times}
            onRetry={() => open()}
          />
        )}
      </main>
    </div>
  );
}

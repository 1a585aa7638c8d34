import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { MeetingView } from './MeetingView.tsx';
import { PreJoin } from './PreJoin.tsx';

const tokenKey = (meetingId: string) => `teamrom.token.${meetingId}`;

/**
 * Reads the access token from the link's fragment (never sent to any server in a URL), keeps it
 * for this tab so that a reload still works, and removes it from the address bar.
 */
function takeLinkParameters(meetingId: string): { token: string | null; precheck: boolean } {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const fromLink = params.get('token');

  if (fromLink) {
    sessionStorage.setItem(tokenKey(meetingId), fromLink);
    history.replaceState(null, '', window.location.pathname);
  }

  return {
    token: fromLink ?? sessionStorage.getItem(tokenKey(meetingId)),
    precheck: params.get('precheck') !== '0',
  };
}

export default function MeetingRoute({ meetingId }: { meetingId: string }) {
  const { t } = useTranslation();
  const [link] = useState(() => takeLinkParameters(meetingId));
  const [ready, setReady] = useState(!link.precheck);

  if (!link.token) {
    return (
      <main id="main" className="page message" role="alert">
        <p>{t('errors.noToken')}</p>
      </main>
    );
  }
  if (!ready) return <PreJoin onJoin={() => setReady(true)} />;

  return <MeetingView meetingId={meetingId} token={link.token} />;
}

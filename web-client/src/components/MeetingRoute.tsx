import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { AccessToken } from '../lib/AccessToken.ts';
import { MeetingView } from './MeetingView.tsx';
import { PreJoin } from './PreJoin.tsx';

/**
 * Reads the access token from the link's fragment (never sent to any server in a URL), keeps it
 * for this tab so that a reload still works, and removes it from the address bar.
 */
function takeLinkParameters(meetingId: string): { token: AccessToken | null; precheck: boolean } {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const fromLink = params.get('token');

  if (fromLink) history.replaceState(null, '', window.location.pathname);

  return {
    token: AccessToken.forMeeting(meetingId, fromLink),
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

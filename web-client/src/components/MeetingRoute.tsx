import '../styles/entry.css';

import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { forgetEntryFragment, takeEntryFragment } from '../entry/entryFragment.ts';
import { addressOfLink } from '../entry/linkMeeting.ts';
import { personalLink } from '../entry/personalLink.ts';
import { adoptPersonLanguage } from '../i18n/index.ts';
import { AccessToken } from '../lib/AccessToken.ts';
import { place } from '../lib/navigation.ts';
import { readClaims } from '../lib/tokenClaims.ts';
import { staffToken } from '../staff/staffToken.ts';
import { LinkEntry } from './entry/LinkEntry.tsx';
import { PreCallCheck } from './entry/PreCallCheck.tsx';
import { MeetingView } from './MeetingView.tsx';

interface Entry {
  token: AccessToken | null;
  /** A personal link to exchange for a session token before anything else. */
  link: string | null;
  precheck: boolean;
}

/**
 * Reads what the link's fragment carries (never sent to any server in a URL): an access token, or
 * a personal link (`#link=`) to exchange for one. Keeps them for this tab, so that a reload still
 * works, and removes them from the address bar. A team member who signed in comes in with their
 * own token.
 */
function takeLinkParameters(meetingId: string): Entry {
  const params = takeEntryFragment(meetingId, window.location.hash);
  const fromToken = params.get('token');
  const fromLink = params.get('link');

  if (fromToken || fromLink) history.replaceState(null, '', window.location.pathname);

  const kept = AccessToken.forMeeting(meetingId, fromToken);
  const link = personalLink(meetingId, fromLink);
  const mustOpenLink = link !== null && (fromLink !== null || !kept || kept.hasExpired);

  return {
    token: mustOpenLink ? null : (kept ?? staffToken()),
    link: mustOpenLink ? link : null,
    precheck: params.get('precheck') !== '0',
  };
}

/**
 * A personal link opened under another meeting's address goes to its own meeting first, before
 * anything is checked, kept or bound to this device under the wrong meeting.
 */
export default function MeetingRoute({ meetingId }: { meetingId: string }) {
  const [rightAddress] = useState(() => addressOfLink(meetingId, window.location.hash));

  useEffect(() => {
    if (!rightAddress) return;

    history.replaceState(null, '', rightAddress);
    place.update({ pathname: window.location.pathname });
  }, [rightAddress]);

  if (rightAddress) return null;

  return <MeetingEntry meetingId={meetingId} />;
}

function MeetingEntry({ meetingId }: { meetingId: string }) {
  const { t } = useTranslation();
  const [entry] = useState(() => takeLinkParameters(meetingId));
  const [token, setToken] = useState(entry.token);
  const [ready, setReady] = useState(!entry.precheck);

  // Shown: what the address said has been used (see entryFragment.ts).
  useEffect(() => forgetEntryFragment(meetingId), [meetingId]);

  if (!token && entry.link) {
    return (
      <LinkEntry
        meetingId={meetingId}
        link={entry.link}
        onOpened={(session) => {
          if (session.language) adoptPersonLanguage(session.language);
          setToken(AccessToken.forMeeting(meetingId, session.token));
        }}
      />
    );
  }
  if (!token) {
    return (
      <main id="main" className="page message" role="alert">
        <p>{t('errors.noToken')}</p>
      </main>
    );
  }
  if (!ready) {
    return (
      <PreCallCheck
        token={token}
        role={readClaims(token.current)?.role ?? null}
        onDone={() => setReady(true)}
      />
    );
  }

  return <MeetingView meetingId={meetingId} token={token} />;
}

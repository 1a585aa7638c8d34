import type { LobbyStatus } from '@teamrom/signaling/protocol';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { adoptPersonLanguage } from '../../i18n/index.ts';
import { minutesSince } from '../../lib/osloTime.ts';
import { MediaElement } from '../MediaElement.tsx';
import { useViewHeading } from '../useViewHeading.ts';

/** How often the time waited is brought up to date. */
const TICK_MS = 15_000;

/**
 * The waiting room as the person waiting sees it: a calm message in their language, how long
 * they have waited, and whether the team is there yet. It gives way to the meeting by itself when
 * a team member lets them in.
 */
export function WaitingRoomView(props: {
  lobby: LobbyStatus;
  wasSentBack: boolean;
  localStream: MediaStream | null;
  onLeave: () => void;
}) {
  const { lobby, wasSentBack, localStream, onLeave } = props;
  const { t } = useTranslation();
  const waited = useMinutesWaited(lobby);
  const heading = useViewHeading(t('waiting.title'), 'waiting');
  const message = wasSentBack
    ? 'waiting.sentBack'
    : lobby.isTeamPresent
      ? 'waiting.teamPresent'
      : 'waiting.teamNotYet';

  // The server tells the patient's language here; a relative's or interpreter's was taken from
  // their link (see MeetingRoute), and the whole page, `<html lang>` too, follows either.
  useEffect(() => {
    if (lobby.language) adoptPersonLanguage(lobby.language);
  }, [lobby.language]);

  return (
    <main id="main" className="waiting-room">
      <h2 className="calm" ref={heading} tabIndex={-1}>
        {t('waiting.title')}
      </h2>
      <div role="status" aria-live="polite" aria-atomic="true">
        <p className="lead">{t(message)}</p>
      </div>
      <p className="waited" data-testid="waited">
        {waited === 0 ? t('waiting.waitedJustNow') : t('waiting.waited', { count: waited })}
      </p>
      <p>{t('waiting.stayHere')}</p>
      {localStream && (
        <figure className="self-preview">
          <MediaElement kind="video" stream={localStream} muted mirror label={t('waiting.you')} />
          <figcaption>{t('waiting.you')}</figcaption>
        </figure>
      )}
      <button type="button" className="large" onClick={onLeave}>
        {t('waiting.leave')}
      </button>
    </main>
  );
}

/**
 * Minutes waited, by the server's clock: the reply says what the time is there, so a device whose
 * clock is wrong still shows the right wait.
 */
function useMinutesWaited(lobby: LobbyStatus): number {
  const offset = useMemo(() => Date.parse(lobby.now) - Date.now(), [lobby]);
  const [now, setNow] = useState(() => new Date(Date.now() + offset));

  useEffect(() => {
    setNow(new Date(Date.now() + offset));

    const timer = setInterval(() => setNow(new Date(Date.now() + offset)), TICK_MS);

    return () => clearInterval(timer);
  }, [offset]);

  return minutesSince(lobby.waitingSince, now);
}

import type { LobbyStatus } from '@teamrom/signaling/protocol';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { LANGUAGES, hasChosenLanguage } from '../../i18n/index.ts';
import { minutesSince } from '../../lib/osloTime.ts';
import { MediaElement } from '../MediaElement.tsx';

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
  const { i18n } = useTranslation();
  const waited = useMinutesWaited(lobby);
  // The patient's own language when the client speaks it and they have not chosen another here.
  const language =
    lobby.language && LANGUAGES.some((l) => l.code === lobby.language) && !hasChosenLanguage()
      ? lobby.language
      : i18n.language;
  const tl = useMemo(() => i18n.getFixedT(language), [i18n, language]);
  const message = wasSentBack
    ? 'waiting.sentBack'
    : lobby.isTeamPresent
      ? 'waiting.teamPresent'
      : 'waiting.teamNotYet';

  return (
    <main id="main" className="waiting-room" lang={language}>
      <h2 className="calm">{tl('waiting.title')}</h2>
      <div role="status" aria-live="polite" aria-atomic="true">
        <p className="lead">{tl(message)}</p>
      </div>
      <p className="waited" data-testid="waited">
        {waited === 0
          ? tl('waiting.waitedJustNow')
          : waited === 1
            ? tl('waiting.waitedOneMinute')
            : tl('waiting.waitedMinutes', { minutes: waited })}
      </p>
      <p>{tl('waiting.stayHere')}</p>
      {localStream && (
        <figure className="self-preview">
          <MediaElement kind="video" stream={localStream} muted mirror label={tl('waiting.you')} />
          <figcaption>{tl('waiting.you')}</figcaption>
        </figure>
      )}
      <button type="button" className="large" onClick={onLeave}>
        {tl('waiting.leave')}
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

import type { WaitingPerson } from '@teamrom/signaling/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { minutesSince } from '../../lib/osloTime.ts';
import { RequestError } from '../../lib/request.ts';
import { ParticipantLabel } from '../ParticipantLabel.tsx';

/**
 * For team members in the meeting: who is waiting to be let in, longest first, each let in on
 * their own, so that the team can talk first and admit people one at a time.
 */
export function LobbyPanel(props: {
  waiting: WaitingPerson[];
  onAdmit: (peerId: string) => Promise<void>;
}) {
  const { waiting, onAdmit } = props;
  const { t } = useTranslation();
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const now = useMinuteClock();

  if (waiting.length === 0) {
    return (
      <section className="lobby empty" aria-labelledby="lobby-title">
        <h2 id="lobby-title">{t('lobby.title')}</h2>
        <p className="muted" role="status">
          {t('lobby.nobody')}
        </p>
      </section>
    );
  }

  const admit = (peerId: string) => {
    setBusy(peerId);
    setProblem(null);
    onAdmit(peerId)
      .catch((error: unknown) =>
        setProblem(`errors.${error instanceof RequestError ? error.code : 'internal'}`),
      )
      .finally(() => setBusy(null));
  };

  return (
    <section className="lobby" aria-labelledby="lobby-title" data-testid="lobby">
      <h2 id="lobby-title">{t('lobby.titleCount', { count: waiting.length })}</h2>
      <p className="visually-hidden" role="status">
        {t('lobby.announce', { names: waiting.map((w) => w.displayName).join(', ') })}
      </p>
      <ul>
        {waiting.map((person) => (
          <li key={person.peerId}>
            <span>
              <strong>{person.displayName}</strong>{' '}
              <ParticipantLabel role={person.role} organisation={person.organisation} />{' '}
              <span className="muted">
                {t('lobby.waited', { minutes: minutesSince(person.waitingSince, now) })}
              </span>
            </span>
            <button
              type="button"
              className="primary"
              disabled={busy !== null}
              onClick={() => admit(person.peerId)}
            >
              {t('lobby.admit', { name: person.displayName })}
            </button>
          </li>
        ))}
      </ul>
      {problem && <p role="alert">{t(problem)}</p>}
    </section>
  );
}

function useMinuteClock(): Date {
  const [now, setNow] = useState(() => new Date());

  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 30_000);

    return () => clearInterval(timer);
  }, []);

  return now;
}

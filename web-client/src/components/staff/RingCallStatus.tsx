import { useTranslation } from 'react-i18next';

import { useStore } from '../../lib/useStore.ts';
import type { OutgoingRing } from '../../staff/OutgoingRing.ts';
import { ParticipantLabel } from '../ParticipantLabel.tsx';

/**
 * The call being made, person by person: calling, ringing, accepted, declined, no answer,
 * offline. The caller can stop it; once over, it can be put away.
 */
export function RingCallStatus({ ring }: { ring: OutgoingRing }) {
  const { t } = useTranslation();
  const state = useStore(ring.state);

  if (state.status === 'idle' || state.status === 'starting') return null;

  return (
    <section className="ring-status" aria-labelledby="ring-status-title" data-testid="ring-status">
      <h2 id="ring-status-title">
        {state.status === 'ringing' ? t('ring.calling') : t('ring.over')}
      </h2>
      {state.problem && <p role="alert">{t(state.problem)}</p>}
      <ul aria-live="polite">
        {state.calls.map((call) => (
          <li key={call.personId} data-person-id={call.personId} data-state={call.state}>
            <strong>{call.displayName}</strong>{' '}
            <ParticipantLabel role={call.role} organisation={null} />:{' '}
            <span className={`ring-state ${call.state}`}>{t(`ring.state.${call.state}`)}</span>
          </li>
        ))}
      </ul>
      {state.status === 'ringing' ? (
        <button type="button" onClick={() => void ring.cancel()}>
          {t('ring.cancel')}
        </button>
      ) : (
        <button type="button" onClick={() => ring.clear()}>
          {t('ring.dismiss')}
        </button>
      )}
    </section>
  );
}

import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { formatDateTime } from '../../carePlan/dates.ts';
import { roleWords } from '../../carePlan/words.ts';
import { request } from '../../lib/request.ts';
import type { TeamromSocket } from '../../meeting/MeetingSession.ts';
import { useRemoteValue } from './useRemoteValue.ts';

const KNOWN_ACTIONS = [
  'careplan.read',
  'careplan.write',
  'careplan.history',
  'consent.grant',
  'consent.withdraw',
  'fhir.read',
  'fhir.export',
  'fhir.import',
  'meeting.join',
  'meeting.leave',
];

interface Props {
  socket: TeamromSocket;
  patientId: string;
  isPlain: boolean;
}

/** "Hvem har sett planen min": who opened or changed the plan, and when, in plain words. */
export function AccessLogView({ socket, patientId, isPlain }: Props) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const log = useRemoteValue(() => request(socket, 'audit:accessLog', { patientId }), []);
  const entries = [...(log.value ?? [])].sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));

  return (
    <section className="access-log" aria-labelledby={id}>
      <h3 id={id}>{isPlain ? t('accessLog.plainTitle') : t('accessLog.title')}</h3>
      <p className="muted">{t('accessLog.intro')}</p>
      {log.status === 'loading' && !log.value && <p role="status">{t('accessLog.loading')}</p>}
      {log.status === 'failed' && (
        <p role="alert">
          {t('accessLog.failed')}{' '}
          <button type="button" onClick={log.reload}>
            {t('carePlan.tryAgain')}
          </button>
        </p>
      )}
      {log.value && entries.length === 0 && <p>{t('accessLog.empty')}</p>}
      {entries.length > 0 && (
        <ul className="access-list">
          {entries.map((entry, index) => {
            const role = roleWords(t, entry.actorRole);
            const who = [role, entry.organisation].filter(Boolean).join(', ');
            const action = KNOWN_ACTIONS.includes(entry.action)
              ? entry.action.replace('.', '_')
              : 'other';

            return (
              <li key={`${entry.occurredAt}-${index}`}>
                <p>
                  <strong>{entry.actorName ?? t('carePlan.unknownPerson')}</strong>
                  {who && <> ({who})</>} {t(`accessLog.action.${action}`)}
                  {entry.outcome !== 'success' && <> {t(`accessLog.outcome.${entry.outcome}`)}</>}
                </p>
                <p className="meta">{formatDateTime(entry.occurredAt, i18n.language)}</p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

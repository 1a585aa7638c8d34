import type { PlanDirectory, PlanHistoryEntry } from '@teamrom/signaling/protocol';
import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';

import { formatDateTime, today } from '../../carePlan/dates.ts';
import { request } from '../../lib/request.ts';
import type { TeamromSocket } from '../../meeting/MeetingSession.ts';
import { PlanContext } from './PlanContext.tsx';
import { PlanDocument } from './PlanDocument.tsx';
import { useRemoteValue } from './useRemoteValue.ts';

interface Props {
  socket: TeamromSocket;
  planId: string;
  version: number;
  entry: PlanHistoryEntry | null;
  directory: PlanDirectory;
  isPlain: boolean;
  onBack: () => void;
}

/** The plan as it was after one change of its history: read only, and said to be so. */
export function PlanVersionView(props: Props) {
  const { socket, planId, version, entry, directory, isPlain, onBack } = props;
  const { t, i18n } = useTranslation();
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = useRemoteValue(() => request(socket, 'careplan:version', { planId, version }), []);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  return (
    <section className="plan-version" aria-labelledby={id}>
      <button type="button" onClick={onBack}>
        {t('carePlan.history.back')}
      </button>
      <h3 id={id} ref={heading} tabIndex={-1}>
        {entry
          ? t('carePlan.history.asItWas', {
              when: formatDateTime(entry.appliedAt, i18n.language),
              name: entry.authorName || t('carePlan.unknownPerson'),
            })
          : t('carePlan.history.asItWasVersion', { version })}
      </h3>
      <p className="read-only-note">{t('carePlan.history.readOnly')}</p>
      {shown.status === 'loading' && <p role="status">{t('carePlan.loading')}</p>}
      {shown.status === 'failed' && <p role="alert">{t('carePlan.history.versionFailed')}</p>}
      {shown.value && (
        <PlanContext
          value={{
            store: null,
            plan: shown.value,
            directory,
            saving: new Set(),
            canEdit: false,
            canEditOwnWords: false,
            isPlain,
            meetingId: null,
            today: today(),
          }}
        >
          <PlanDocument missingParts={null} />
        </PlanContext>
      )}
    </section>
  );
}

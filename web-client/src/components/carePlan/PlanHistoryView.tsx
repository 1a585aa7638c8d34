import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { CarePlanStore } from '../../carePlan/CarePlanStore.ts';
import { request } from '../../lib/request.ts';
import { useStore } from '../../lib/useStore.ts';
import type { TeamromSocket } from '../../meeting/MeetingSession.ts';
import { HistoryEntryItem } from './HistoryEntryItem.tsx';
import { PlanVersionView } from './PlanVersionView.tsx';
import { useRemoteValue } from './useRemoteValue.ts';

interface Props {
  store: CarePlanStore;
  socket: TeamromSocket;
  isPlain: boolean;
}

/** Who changed what in the plan, and when, newest first; any entry opens the plan as it was. */
export function PlanHistoryView({ store, socket, isPlain }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const { plan, directory } = useStore(store.state);
  const [shownVersion, setShownVersion] = useState<number | null>(null);
  const history = useRemoteValue(
    () => request(socket, 'careplan:history', { planId: store.planId }),
    // Fetched again as the plan changes, so that the newest change is listed too.
    [plan?.version],
  );

  if (shownVersion !== null) {
    const entry = history.value?.find((e) => e.version === shownVersion) ?? null;

    return (
      <PlanVersionView
        key={shownVersion}
        socket={socket}
        planId={store.planId}
        version={shownVersion}
        entry={entry}
        directory={directory}
        isPlain={isPlain}
        onBack={() => setShownVersion(null)}
      />
    );
  }

  const entries = [...(history.value ?? [])].sort((a, b) => b.version - a.version);

  return (
    <section className="plan-history" aria-labelledby={id}>
      <h3 id={id}>{isPlain ? t('carePlan.plain.history') : t('carePlan.history.title')}</h3>
      <p role="status" className="muted">
        {history.status === 'loading' && entries.length === 0 && t('carePlan.history.loading')}
      </p>
      {history.status === 'failed' && (
        <p role="alert">
          {t('carePlan.history.failed')}{' '}
          <button type="button" onClick={history.reload}>
            {t('carePlan.tryAgain')}
          </button>
        </p>
      )}
      {history.status === 'ready' && entries.length === 0 && <p>{t('carePlan.history.empty')}</p>}
      {entries.length > 0 && (
        <ol className="history-list">
          {entries.map((entry) => (
            <HistoryEntryItem
              key={entry.version}
              entry={entry}
              plan={plan}
              directory={directory}
              onShow={() => setShownVersion(entry.version)}
            />
          ))}
        </ol>
      )}
    </section>
  );
}

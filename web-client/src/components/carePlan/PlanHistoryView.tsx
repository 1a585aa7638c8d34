import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { CarePlanStore } from '../../carePlan/CarePlanStore.ts';
import { PlanHistory } from '../../carePlan/PlanHistory.ts';
import { useStore } from '../../lib/useStore.ts';
import type { TeamromSocket } from '../../meeting/MeetingSession.ts';
import { HistoryEntryItem } from './HistoryEntryItem.tsx';
import { PlanVersionView } from './PlanVersionView.tsx';

interface Props {
  store: CarePlanStore;
  socket: TeamromSocket;
  isPlain: boolean;
}

/**
 * Who changed what in the plan, and when, newest first; any entry opens the plan as it was. Read
 * from the server when shown and on request, never by itself: each read is audited.
 */
export function PlanHistoryView(props: Props) {
  const { store, socket } = props;
  const [history, setHistory] = useState<PlanHistory | null>(null);

  useEffect(() => {
    const created = new PlanHistory(socket, store);

    setHistory(created);
    void created.load();

    return () => created.dispose();
  }, [socket, store]);

  return history && <HistoryContent {...props} history={history} />;
}

function HistoryContent({ store, socket, isPlain, history }: Props & { history: PlanHistory }) {
  const { t } = useTranslation();
  const id = useId();
  const { plan, directory } = useStore(store.state);
  const { status, entries, hasGap } = useStore(history.state);
  const [shownVersion, setShownVersion] = useState<number | null>(null);
  const reload = () => void history.load();

  if (shownVersion !== null) {
    const entry = entries.find((e) => e.version === shownVersion) ?? null;

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

  const newestFirst = [...entries].reverse();

  return (
    <section className="plan-history" aria-labelledby={id}>
      <h3 id={id}>{isPlain ? t('carePlan.plain.history') : t('carePlan.history.title')}</h3>
      <p role="status" className="muted">
        {status === 'loading' && t('carePlan.history.loading')}
      </p>
      {status === 'failed' && (
        <p role="alert">
          {t('carePlan.history.failed')}{' '}
          <button type="button" onClick={reload}>
            {t('carePlan.tryAgain')}
          </button>
        </p>
      )}
      {status !== 'failed' && (
        <p>
          {hasGap && <>{t('carePlan.history.incomplete')} </>}
          <button type="button" onClick={reload}>
            {t('carePlan.history.refresh')}
          </button>
        </p>
      )}
      {status === 'ready' && entries.length === 0 && <p>{t('carePlan.history.empty')}</p>}
      {newestFirst.length > 0 && (
        <ol className="history-list">
          {newestFirst.map((entry) => (
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

import type { PlanDirectory } from '@teamrom/signaling/protocol';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { ConsentStore } from '../../carePlan/ConsentStore.ts';
import { useStore } from '../../lib/useStore.ts';
import type { TeamromSocket } from '../../meeting/MeetingSession.ts';
import { ConsentForm } from './ConsentForm.tsx';
import { ConsentItem } from './ConsentItem.tsx';

interface Props {
  socket: TeamromSocket;
  patientId: string;
  directory: PlanDirectory;
  /** Staff who may record and withdraw consents; others only read them. */
  canRecord: boolean;
  isPlain: boolean;
}

/** What the patient has agreed to: to an individual plan, and to whom the plan is shown. */
export function ConsentView(props: Props) {
  const { socket, patientId } = props;
  const [store, setStore] = useState<ConsentStore | null>(null);

  useEffect(() => {
    const created = new ConsentStore(socket, patientId);

    setStore(created);

    return () => created.dispose();
  }, [socket, patientId]);

  return store && <ConsentContent {...props} store={store} />;
}

function ConsentContent(props: Props & { store: ConsentStore }) {
  const { store, directory, canRecord, isPlain } = props;
  const { t } = useTranslation();
  const id = useId();
  const list = useStore(store.list.state);
  const action = useStore(store.action);
  const consents = [...(list.value ?? [])].sort(
    (a, b) => Number(a.withdrawnAt !== null) - Number(b.withdrawnAt !== null),
  );

  return (
    <section className="consents" aria-labelledby={id}>
      <h3 id={id}>{isPlain ? t('consent.plain.title') : t('consent.title')}</h3>
      {isPlain && <p>{t('consent.plain.intro')}</p>}
      <div role="status" className={action.message?.isError ? 'notice' : 'confirmation'}>
        {action.message && t(action.message.key)}
      </div>
      {list.status === 'loading' && !list.value && <p>{t('consent.loading')}</p>}
      {list.status === 'failed' && (
        <p role="alert">
          {t('consent.listFailed')}{' '}
          <button type="button" onClick={() => void store.list.load()}>
            {t('carePlan.tryAgain')}
          </button>
        </p>
      )}
      {list.value && consents.length === 0 && <p>{t('consent.none')}</p>}
      {consents.length > 0 && (
        <ul className="consent-list">
          {consents.map((consent) => (
            <ConsentItem
              key={consent.id}
              consent={consent}
              canWithdraw={canRecord}
              isBusy={action.isBusy}
              isPlain={isPlain}
              onWithdraw={() => store.withdraw(consent.id)}
            />
          ))}
        </ul>
      )}
      {canRecord && (
        <ConsentForm
          directory={directory}
          isBusy={action.isBusy}
          isPlain={isPlain}
          onGrant={(c) => store.grant(c)}
        />
      )}
    </section>
  );
}

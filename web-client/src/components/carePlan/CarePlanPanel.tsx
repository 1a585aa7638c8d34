import type { ParticipantRole } from '@teamrom/signaling/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { CarePlanStore } from '../../carePlan/CarePlanStore.ts';
import type { TeamromSocket } from '../../meeting/MeetingSession.ts';
import { PlanPanelBody } from './PlanPanelBody.tsx';

interface Props {
  socket: TeamromSocket;
  planId: string;
  /** The meeting the plan is open in: notes and decisions written now name it. */
  meetingId: string | null;
  role: ParticipantRole | null;
  /** The patient's view: plain language, large text, little to edit. */
  isPlain: boolean;
  /** Put away by the user; it stays open underneath, so that no pending change is dropped. */
  isHidden?: boolean;
}

/** The patient's care plan beside the call: the plan itself, its history, consents and readers. */
export function CarePlanPanel(props: Props) {
  const { socket, planId, meetingId, role, isPlain, isHidden = false } = props;
  const { t } = useTranslation();
  const [store, setStore] = useState<CarePlanStore | null>(null);
  const [isWide, setWide] = useState(false);

  useEffect(() => {
    const created = new CarePlanStore(socket, planId, meetingId);

    setStore(created);

    return () => created.dispose();
  }, [socket, planId, meetingId]);

  return (
    // Focusable, so that someone using only a keyboard can scroll a long plan.
    <aside
      className={`careplan${isPlain ? ' plain' : ''}${isWide ? ' wide' : ''}`}
      aria-labelledby="careplan-title"
      tabIndex={0}
      hidden={isHidden}
    >
      <div className="careplan-head">
        <h2 id="careplan-title">{isPlain ? t('carePlan.plain.title') : t('carePlan.title')}</h2>
        <button type="button" aria-pressed={isWide} onClick={() => setWide((wide) => !wide)}>
          {t('carePlan.wide')}
        </button>
      </div>
      {store && <PlanPanelBody store={store} socket={socket} role={role} isPlain={isPlain} />}
    </aside>
  );
}

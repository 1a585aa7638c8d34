import type { ParticipantRole } from '@teamrom/signaling/protocol';
import { useState } from 'react';

import type { CarePlanStore } from '../../carePlan/CarePlanStore.ts';
import { useStore } from '../../lib/useStore.ts';
import type { TeamromSocket } from '../../meeting/MeetingSession.ts';
import { AccessLogView } from './AccessLogView.tsx';
import { ConsentView } from './ConsentView.tsx';
import { LivePlan } from './LivePlan.tsx';
import { PlanAnnouncements } from './PlanAnnouncements.tsx';
import type { PanelView } from './PanelTabs.tsx';
import { PanelTabs } from './PanelTabs.tsx';
import { PlanClosed } from './PlanClosed.tsx';
import { PlanHistoryView } from './PlanHistoryView.tsx';
import { PlanNotices } from './PlanNotices.tsx';

interface Props {
  store: CarePlanStore;
  socket: TeamromSocket;
  role: ParticipantRole | null;
  isPlain: boolean;
}

/** The panel's views of one plan, and the notices about changes that were not saved. */
export function PlanPanelBody({ store, socket, role, isPlain }: Props) {
  const state = useStore(store.state);
  const [view, setView] = useState<PanelView>('plan');
  const isPatient = role === 'patient';
  const views: PanelView[] = ['plan', 'history'];

  if (state.access.canRecordConsent || isPatient) views.push('consent');
  if (state.access.canSeeAccessLog || isPatient) views.push('accessLog');

  const shown = views.includes(view) ? view : 'plan';
  const patientId = state.plan?.patientId ?? null;

  return (
    <>
      <PlanNotices store={store} />
      <PlanAnnouncements store={store} />
      {state.status === 'closed' ? (
        <PlanClosed reason={state.closedReason ?? 'access_withdrawn'} />
      ) : (
        <>
          {state.status === 'ready' && views.length > 1 && (
            <PanelTabs views={views} current={shown} isPlain={isPlain} onChange={setView} />
          )}
          {shown === 'plan' && <LivePlan store={store} isPlain={isPlain} />}
          {shown === 'history' && (
            <PlanHistoryView store={store} socket={socket} isPlain={isPlain} />
          )}
          {shown === 'consent' && patientId && (
            <ConsentView
              socket={socket}
              patientId={patientId}
              directory={state.directory}
              canRecord={state.access.canRecordConsent}
              isPlain={isPlain}
            />
          )}
          {shown === 'accessLog' && patientId && (
            <AccessLogView socket={socket} patientId={patientId} isPlain={isPlain} />
          )}
        </>
      )}
    </>
  );
}

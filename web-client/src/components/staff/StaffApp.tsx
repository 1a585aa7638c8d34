import '../../styles/staff.css';

import { useTranslation } from 'react-i18next';

import { place } from '../../lib/navigation.ts';
import { useStore } from '../../lib/useStore.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { staffConnection } from '../../staff/StaffConnection.ts';
import { LanguageSelect } from '../LanguageSelect.tsx';
import { CoordinatorHome } from './CoordinatorHome.tsx';
import { MeetingDetailPage } from './MeetingDetailPage.tsx';
import { MeetingRecordPage } from './MeetingRecordPage.tsx';
import { MyMeetingsPage } from './MyMeetingsPage.tsx';
import { PatientPlanPage } from './PatientPlanPage.tsx';
import { ScheduleMeetingPage } from './ScheduleMeetingPage.tsx';
import { StaffNav } from './StaffNav.tsx';
import { WorklistPage } from './WorklistPage.tsx';

/** The pages of a signed-in team member, chosen by the address's `view`. */
export default function StaffApp() {
  const { t } = useTranslation();
  const connection = staffConnection();

  if (!connection) {
    return (
      <main id="main" className="page message" role="alert">
        <p>{t('errors.noToken')}</p>
      </main>
    );
  }

  return <Pages connection={connection} />;
}

function Pages({ connection }: { connection: StaffConnection }) {
  const { t } = useTranslation();
  const { search } = useStore(place);
  const { status } = useStore(connection.state);
  const view = search.get('view') ?? 'home';
  const id = search.get('id') ?? '';
  const patientId = search.get('patient') ?? '';

  return (
    <div className="page staff">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <p className="brand">{t('app.name')}</p>
        <StaffNav current={view} />
        <LanguageSelect />
      </header>
      <div className="banners" role="status" aria-live="polite">
        {status === 'offline' && <p className="warn">{t('staff.offline')}</p>}
        {status === 'failed' && <p className="warn">{t('staff.signedOut')}</p>}
      </div>
      <main id="main" className="staff-main">
        {view === 'home' && <CoordinatorHome connection={connection} />}
        {view === 'worklist' && <WorklistPage connection={connection} />}
        {view === 'meetings' && <MyMeetingsPage connection={connection} />}
        {view === 'schedule' && (
          <ScheduleMeetingPage key={patientId} connection={connection} patientId={patientId} />
        )}
        {view === 'meeting' && (
          <MeetingDetailPage key={id} connection={connection} meetingId={id} />
        )}
        {view === 'record' && <MeetingRecordPage key={id} connection={connection} meetingId={id} />}
        {view === 'plan' && (
          <PatientPlanPage
            key={patientId}
            connection={connection}
            patientId={patientId}
            planId={search.get('plan')}
          />
        )}
      </main>
    </div>
  );
}

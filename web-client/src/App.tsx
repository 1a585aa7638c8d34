import { Suspense, lazy, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { Home } from './components/Home.tsx';
import { place } from './lib/navigation.ts';
import { useStore } from './lib/useStore.ts';
import { staffToken, takeStaffToken } from './staff/staffToken.ts';

// mediasoup-client and the meeting page load only when someone opens a meeting; the staff pages
// only for a team member who signed in, so that a patient's phone downloads neither.
const MeetingRoute = lazy(() => import('./components/MeetingRoute.tsx'));
const StaffApp = lazy(() => import('./components/staff/StaffApp.tsx'));
const StaffAlerts = lazy(() => import('./components/staff/StaffAlerts.tsx'));

export function App() {
  const { t } = useTranslation();
  const { pathname } = useStore(place);
  // Once per load: a staff token handed over in the address, or the one this tab kept.
  const [isStaff] = useState(() =>
    window.location.pathname === '/' ? takeStaffToken() !== null : staffToken() !== null,
  );
  const match = /^\/m\/([^/]+)\/?$/.exec(pathname);
  const fallback = <p className="status">{t('app.loading')}</p>;

  if (!match && !isStaff) return <Home />;

  return (
    <Suspense fallback={fallback}>
      {/* First, so that a reminder pushes the page down instead of covering any of it. */}
      {isStaff && <StaffAlerts />}
      {match ? (
        <MeetingRoute key={match[1]} meetingId={decodeURIComponent(match[1]!)} />
      ) : (
        <StaffApp />
      )}
    </Suspense>
  );
}

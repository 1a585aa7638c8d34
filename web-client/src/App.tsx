import { Suspense, lazy } from 'react';
import { useTranslation } from 'react-i18next';

import { Home } from './components/Home.tsx';

// mediasoup-client and the meeting page load only when someone opens a meeting.
const MeetingRoute = lazy(() => import('./components/MeetingRoute.tsx'));

export function App() {
  const { t } = useTranslation();
  const match = /^\/m\/([^/]+)\/?$/.exec(window.location.pathname);

  if (!match) return <Home />;

  return (
    <Suspense fallback={<p className="status">{t('meeting.connecting')}</p>}>
      <MeetingRoute meetingId={decodeURIComponent(match[1]!)} />
    </Suspense>
  );
}

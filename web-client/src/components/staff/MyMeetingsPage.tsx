import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { staffHref } from '../../lib/navigation.ts';
import { useAsync } from '../../lib/useAsync.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { Link } from '../Link.tsx';
import { PageTitle } from '../PageTitle.tsx';
import { MyMeetingItem } from './MyMeetingItem.tsx';

/** How often the join buttons look at the clock. */
const TICK_MS = 15_000;

/** "My meetings": upcoming and past, with a join button that opens ten minutes before the start. */
export function MyMeetingsPage({ connection }: { connection: StaffConnection }) {
  const { t } = useTranslation();
  const meetings = useAsync(() => connection.ask('scheduling:myMeetings', {}), [connection]);
  const now = useClock();

  return (
    <>
      <PageTitle>{t('myMeetings.title')}</PageTitle>
      <p className="page-actions">
        <Link href={staffHref('schedule')} className="button primary">
          {t('myMeetings.schedule')}
        </Link>
      </p>
      {meetings.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {meetings.error && <p role="alert">{t(meetings.error)}</p>}
      {meetings.data && (
        <>
          <section aria-labelledby="upcoming-title">
            <h2 id="upcoming-title">{t('myMeetings.upcoming')}</h2>
            {meetings.data.upcoming.length === 0 ? (
              <p>{t('myMeetings.noUpcoming')}</p>
            ) : (
              <ul className="my-meetings" data-testid="upcoming-meetings">
                {meetings.data.upcoming.map((meeting) => (
                  <MyMeetingItem
                    key={`${meeting.meetingId}@${meeting.startsAt}`}
                    connection={connection}
                    meeting={meeting}
                    now={now}
                    onAnswered={meetings.reload}
                  />
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="past-title">
            <h2 id="past-title">{t('myMeetings.past')}</h2>
            {meetings.data.past.length === 0 ? (
              <p>{t('myMeetings.noPast')}</p>
            ) : (
              <ul className="my-meetings past">
                {meetings.data.past.map((meeting) => (
                  <MyMeetingItem
                    key={`${meeting.meetingId}@${meeting.startsAt}`}
                    connection={connection}
                    meeting={meeting}
                    now={now}
                    isPast
                    onAnswered={meetings.reload}
                  />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}

function useClock(): number {
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);

    return () => clearInterval(timer);
  }, []);

  return now;
}

import type { MyMeeting } from '@teamrom/signaling/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { meetingHref, staffHref } from '../../lib/navigation.ts';
import { formatDateTime, formatDay, formatTime, isSameOsloDay } from '../../lib/osloTime.ts';
import { errorKey } from '../../lib/useAsync.ts';
import { isStaffRole } from '../../lib/tokenClaims.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { Link } from '../Link.tsx';

/** One occurrence in "My meetings": when and about whom, one's answer, and the way in. */
export function MyMeetingItem(props: {
  connection: StaffConnection;
  meeting: MyMeeting;
  now: number;
  isPast?: boolean;
  onAnswered: () => void;
}) {
  const { connection, meeting, now, isPast = false, onAnswered } = props;
  const { t, i18n } = useTranslation();
  const [problem, setProblem] = useState<string | null>(null);
  const [isSending, setSending] = useState(false);
  const isCancelled = meeting.status === 'cancelled';
  const canJoin = !isCancelled && now >= Date.parse(meeting.joinOpensAt);

  const respond = (response: 'accepted' | 'declined') => {
    setSending(true);
    setProblem(null);
    connection
      .ask('scheduling:respond', { meetingId: meeting.meetingId, response })
      .then(onAnswered, (error: unknown) => setProblem(errorKey(error)))
      .finally(() => setSending(false));
  };

  return (
    <li
      className={`my-meeting${isCancelled ? ' cancelled' : ''}`}
      data-meeting-id={meeting.meetingId}
      data-response={meeting.myResponse}
    >
      <h3>
        {formatDateTime(meeting.startsAt, i18n.language)}
        {isCancelled && <span className="badge"> {t('myMeetings.cancelled')}</span>}
      </h3>
      <p>
        {t('myMeetings.about', {
          purpose: meeting.purpose ?? t('reminder.aMeeting'),
          patient: meeting.patientName,
        })}
        {meeting.recurring && <span className="muted"> ({t('myMeetings.recurring')})</span>}
      </p>
      <p className="muted">
        {meeting.required ? t('myMeetings.needed') : t('myMeetings.optional')} ·{' '}
        {t(`meetingPage.response.${meeting.myResponse}`)}
      </p>
      {!isPast && !isCancelled && (
        <div className="buttons">
          {canJoin ? (
            <Link href={meetingHref(meeting.meetingId)} className="button primary">
              {t('myMeetings.join')}
            </Link>
          ) : (
            <button type="button" disabled>
              {isSameOsloDay(meeting.joinOpensAt, now)
                ? t('myMeetings.joinOpens', {
                    time: formatTime(meeting.joinOpensAt, i18n.language),
                  })
                : t('myMeetings.joinOpensOn', {
                    date: formatDay(meeting.joinOpensAt, i18n.language),
                    time: formatTime(meeting.joinOpensAt, i18n.language),
                  })}
            </button>
          )}
          <button
            type="button"
            value="accepted"
            aria-pressed={meeting.myResponse === 'accepted'}
            disabled={isSending}
            onClick={() => respond('accepted')}
          >
            {t('myMeetings.accept')}
          </button>
          <button
            type="button"
            value="declined"
            aria-pressed={meeting.myResponse === 'declined'}
            disabled={isSending}
            onClick={() => respond('declined')}
          >
            {t('myMeetings.decline')}
          </button>
        </div>
      )}
      {isStaffRole(meeting.myRole) && (
        <p className="row-links">
          <Link href={staffHref('meeting', { id: meeting.meetingId })}>
            {t('myMeetings.details')}
          </Link>
          {isPast && (
            <Link href={staffHref('record', { id: meeting.meetingId })}>
              {t('meetingPage.record')}
            </Link>
          )}
        </p>
      )}
      {problem && <p role="alert">{t(problem)}</p>}
    </li>
  );
}

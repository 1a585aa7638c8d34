import type { Invitation, ScheduledMeeting } from '@teamrom/signaling/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { api } from '../../lib/http.ts';
import { meetingHref, place, staffHref } from '../../lib/navigation.ts';
import { formatDateTime } from '../../lib/osloTime.ts';
import { errorKey, useAsync } from '../../lib/useAsync.ts';
import { useStore } from '../../lib/useStore.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { Link } from '../Link.tsx';
import { PageTitle } from '../PageTitle.tsx';
import { CancelMeeting } from './CancelMeeting.tsx';
import { ParticipantResponses } from './ParticipantResponses.tsx';
import { RecurrenceText } from './RecurrenceText.tsx';
import { RescheduleMeeting } from './RescheduleMeeting.tsx';
import { useMeetingChanges } from './useMeetingChanges.ts';

/**
 * One scheduled meeting for its team: when, what about, who is invited and who has accepted or
 * declined, each person's link and calendar file, and changing or cancelling it, after which the
 * invitations shown are the updated ones to send.
 */
export function MeetingDetailPage(props: { connection: StaffConnection; meetingId: string }) {
  const { connection, meetingId } = props;
  const { t, i18n } = useTranslation();
  const { search } = useStore(place);
  const meeting = useAsync(
    () => connection.ask('scheduling:get', { meetingId }),
    [connection, meetingId],
  );
  const invitations = useAsync(
    () =>
      api<Invitation[]>(`/api/meetings/${encodeURIComponent(meetingId)}/invitations`, {
        token: connection.token,
      }),
    [connection, meetingId],
  );
  const [notice, setNotice] = useState<string | null>(
    search.get('scheduled') ? 'meetingPage.scheduled' : null,
  );
  const { reload } = meeting;
  const { reload: reloadInvitations } = invitations;
  const shown = meeting.data;
  const lastShown = useRef(shown);

  // Fetched again when the server says the meeting changed (each fetch is an audited read), so
  // that an answer shows as it is given.
  useMeetingChanges(connection, meetingId, (cause) => {
    reload();
    if (cause === 'link' || cause === 'reconnected') reloadInvitations();
  });

  // A new time, new participants or a cancellation raise the sequence: the invitations change too.
  useEffect(() => {
    const before = lastShown.current;

    if (shown && before && shown.id === before.id && shown.sequence !== before.sequence) {
      reloadInvitations();
    }
    lastShown.current = shown;
  }, [shown, reloadInvitations]);

  const changed = (updated: ScheduledMeeting, message: string) => {
    meeting.set(updated);
    void connection.reminders.refresh();
    setNotice(message);
  };

  if (meeting.status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (!meeting.data) return <p role="alert">{t(meeting.error ?? 'errors.internal')}</p>;

  const m = meeting.data;
  const isCancelled = m.status === 'cancelled';

  return (
    <>
      <PageTitle>{m.purpose ?? t('meetingPage.untitled')}</PageTitle>
      <p role="status" className="confirmation">
        {notice && t(notice)}
      </p>
      <dl className="facts meeting-facts">
        <dt>{t('meetingPage.patient')}</dt>
        <dd>{m.patientName}</dd>
        <dt>{t('meetingPage.when')}</dt>
        <dd>
          {m.next
            ? formatDateTime(m.next.startsAt, i18n.language)
            : m.startsAt
              ? formatDateTime(m.startsAt, i18n.language)
              : '–'}{' '}
          <span className="muted">({t('meetingPage.osloTime')})</span>
        </dd>
        <dt>{t('meetingPage.duration')}</dt>
        <dd>{t('schedule.minutes', { minutes: m.durationMinutes ?? 0 })}</dd>
        <dt>{t('meetingPage.repeats')}</dt>
        <dd>
          <RecurrenceText rrule={m.rrule} />
        </dd>
        <dt>{t('meetingPage.status')}</dt>
        <dd data-testid="meeting-status" className={isCancelled ? 'overdue' : undefined}>
          {isCancelled ? t('meetingPage.cancelled') : t('meetingPage.scheduledStatus')}
        </dd>
      </dl>
      {!isCancelled && (
        <p className="page-actions">
          <Link href={meetingHref(m.id)} className="button primary">
            {t('meetingPage.goToMeeting')}
          </Link>
          <Link href={staffHref('record', { id: m.id })}>{t('meetingPage.record')}</Link>
        </p>
      )}
      {meeting.error && <p role="alert">{t(meeting.error)}</p>}
      <ParticipantResponses
        connection={connection}
        meeting={m}
        invitations={invitations.data ?? []}
        invitationsError={invitations.error}
        onRefresh={reload}
        onReissued={() => {
          invitations.reload();
          setNotice('meetingPage.reissued');
        }}
      />
      {!isCancelled && (
        <>
          <RescheduleMeeting
            connection={connection}
            meeting={m}
            onChanged={(updated) => changed(updated, 'meetingPage.rescheduled')}
          />
          <CancelMeeting
            onCancel={() =>
              connection.ask('scheduling:cancel', { meetingId: m.id }).then(
                (updated) => changed(updated, 'meetingPage.cancelledNotice'),
                (error: unknown) => setNotice(errorKey(error)),
              )
            }
          />
        </>
      )}
    </>
  );
}

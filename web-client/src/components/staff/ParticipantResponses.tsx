import type { Invitation, ScheduledMeeting } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import { formatDateTime } from '../../lib/osloTime.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { ParticipantLabel } from '../ParticipantLabel.tsx';
import { InvitationTools } from './InvitationTools.tsx';

/**
 * Everyone invited, needed or optional, with their answer (accepted, declined, not yet) and the
 * invitation to hand them: the join link, the calendar file, and the text.
 */
export function ParticipantResponses(props: {
  connection: StaffConnection;
  meeting: ScheduledMeeting;
  invitations: Invitation[];
  invitationsError: string | null;
  onReissued: () => void;
  onRefresh: () => void;
}) {
  const { connection, meeting, invitations, invitationsError, onReissued, onRefresh } = props;
  const { t, i18n } = useTranslation();
  const invitationOf = new Map(invitations.map((i) => [i.personId, i]));
  const nameOf = new Map(meeting.participants.map((p) => [p.personId, p.displayName]));
  const accepted = meeting.participants.filter((p) => p.response === 'accepted').length;

  return (
    <section className="participant-responses" aria-labelledby="responses-title">
      <h2 id="responses-title">{t('meetingPage.participants')}</h2>
      <p className="page-actions">
        <span>
          {t('meetingPage.acceptedCount', { accepted, count: meeting.participants.length })}
        </span>
        <button type="button" onClick={onRefresh}>
          {t('meetingPage.refresh')}
        </button>
      </p>
      {invitationsError && <p role="alert">{t(invitationsError)}</p>}
      <ul className="responses" data-testid="participant-responses">
        {meeting.participants.map((p) => (
          <li key={p.personId} data-person-id={p.personId} data-response={p.response}>
            <div className="who">
              <strong>{p.displayName}</strong>{' '}
              <ParticipantLabel role={p.role} organisation={p.organisation} />
              <span className="badge">
                {p.required
                  ? t('schedule.participants.required')
                  : t('schedule.participants.optional')}
              </span>
              {p.interpreterLanguage && (
                <span className="muted">
                  {t('meetingPage.interprets', { language: p.interpreterLanguage })}
                </span>
              )}
            </div>
            <p className={`response ${p.response}`}>
              <span aria-hidden="true">{MARKS[p.response]} </span>
              {t(`meetingPage.response.${p.response}`)}
              {p.respondedAt && (
                <span className="muted">
                  {' '}
                  ({formatDateTime(p.respondedAt, i18n.language)}
                  {p.respondedBy &&
                    `, ${t('meetingPage.recordedBy', { name: nameOf.get(p.respondedBy) ?? '' })}`}
                  )
                </span>
              )}
            </p>
            {invitationOf.has(p.personId) && (
              <InvitationTools
                connection={connection}
                invitation={invitationOf.get(p.personId)!}
                hasPersonalLink={p.hasPersonalLink}
                onReissued={onReissued}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

const MARKS = { accepted: '✓', declined: '✗', 'needs-action': '?' } as const;

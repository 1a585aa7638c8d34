import type { MeetingRecord, Responsible } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import { personName, responsibleName } from '../../carePlan/directory.ts';
import { formatCalendarDate, formatDateTime, formatTime } from '../../lib/osloTime.ts';
import { useAsync } from '../../lib/useAsync.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { PageTitle } from '../PageTitle.tsx';
import { ParticipantLabel } from '../ParticipantLabel.tsx';

/**
 * The record of a meeting, for its team: who joined and left when, the confirmations that everyone
 * had been introduced, and the notes, decisions and actions written into the plan during it.
 */
export function MeetingRecordPage(props: { connection: StaffConnection; meetingId: string }) {
  const { connection, meetingId } = props;
  const { t } = useTranslation();
  const record = useAsync(
    () => connection.ask('meeting:record', { meetingId }),
    [connection, meetingId],
  );

  if (record.status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (!record.data) return <p role="alert">{t(record.error ?? 'errors.internal')}</p>;

  return (
    <>
      <PageTitle>{t('record.title', { title: record.data.title })}</PageTitle>
      <Attendance record={record.data} />
      <Introductions record={record.data} />
      <Writing record={record.data} />
    </>
  );
}

function Attendance({ record }: { record: MeetingRecord }) {
  const { t, i18n } = useTranslation();

  return (
    <section aria-labelledby="attendance-title">
      <h2 id="attendance-title">{t('record.attendance')}</h2>
      {record.attendance.length === 0 ? (
        <p>{t('record.nobody')}</p>
      ) : (
        <table className="attendance">
          <thead>
            <tr>
              <th scope="col">{t('record.who')}</th>
              <th scope="col">{t('record.joined')}</th>
              <th scope="col">{t('record.left')}</th>
            </tr>
          </thead>
          <tbody>
            {record.attendance.map((a, index) => (
              <tr key={`${a.personId}-${index}`}>
                <th scope="row">
                  {a.displayName} <ParticipantLabel role={a.role} organisation={a.organisation} />
                </th>
                <td>{formatDateTime(a.joinedAt, i18n.language)}</td>
                <td>
                  {a.leftAt ? formatTime(a.leftAt, i18n.language) : t('record.stillIn')}
                  {a.leaveReason && a.leaveReason !== 'left' && (
                    <span className="muted"> ({t(`record.leaveReason.${a.leaveReason}`)})</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Introductions({ record }: { record: MeetingRecord }) {
  const { t, i18n } = useTranslation();

  return (
    <section aria-labelledby="introductions-title">
      <h2 id="introductions-title">{t('record.introductions')}</h2>
      {record.introductions.length === 0 ? (
        <p>{t('record.noIntroductions')}</p>
      ) : (
        <ul>
          {record.introductions.map((c) => (
            <li key={c.confirmedAt}>
              {t('record.confirmedBy', {
                name: c.confirmedBy.displayName,
                time: formatDateTime(c.confirmedAt, i18n.language),
                count: c.personIds.length,
              })}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Writing({ record }: { record: MeetingRecord }) {
  const { t, i18n } = useTranslation();
  // The record names everyone its notes and actions refer to; an id it does not know (a person
  // or organisation since deleted) is shown as unknown, never as its id.
  const author = (personId: string) =>
    personName(record.directory, personId) ?? t('record.unknownPerson');
  const responsible = (r: Responsible) =>
    responsibleName(record.directory, r) ??
    (r.kind === 'person' ? t('record.unknownPerson') : t('record.organisation'));

  return (
    <>
      <section aria-labelledby="notes-title">
        <h2 id="notes-title">{t('record.notes')}</h2>
        {record.notes.length === 0 ? (
          <p>{t('record.noNotes')}</p>
        ) : (
          <ul className="record-notes">
            {record.notes.map((note) => (
              <li key={note.id}>
                <strong>{t(`carePlan.noteKind.${note.kind}`)}</strong>{' '}
                <span className="muted">
                  {author(note.authorId)}, {formatTime(note.recordedAt, i18n.language)}
                </span>
                <p lang="nb">{note.text}</p>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="actions-title">
        <h2 id="actions-title">{t('record.actions')}</h2>
        {record.actions.length === 0 ? (
          <p>{t('record.noActions')}</p>
        ) : (
          <ul className="record-actions">
            {record.actions.map((action) => (
              <li key={action.id}>
                <span lang="nb">{action.description}</span>{' '}
                <span className="muted">
                  {t('record.responsible', { name: responsible(action.responsible) })}
                  {action.dueDate &&
                    `, ${t('record.due', { date: formatCalendarDate(action.dueDate, i18n.language) })}`}
                  {' · '}
                  {t(`carePlan.actionStatus.${action.status}`)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

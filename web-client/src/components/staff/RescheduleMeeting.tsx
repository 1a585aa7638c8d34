import type { ScheduledMeeting } from '@teamrom/signaling/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { useAsync } from '../../lib/useAsync.ts';
import type { Translated } from '../../staff/rowErrorText.ts';
import type { ScheduleDraft } from '../../staff/scheduleDraft.ts';
import { draftOf, rescheduleRequest } from '../../staff/scheduleDraft.ts';
import { refusalOf } from '../../staff/schedulingRefusal.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { ScheduleForm } from './ScheduleForm.tsx';

/** Changing a meeting's time, purpose, repetition or participants; everyone gets the update. */
export function RescheduleMeeting(props: {
  connection: StaffConnection;
  meeting: ScheduledMeeting;
  onChanged: (meeting: ScheduledMeeting) => void;
}) {
  const { connection, meeting, onChanged } = props;
  const { t } = useTranslation();
  const [isOpen, setOpen] = useState(false);
  const [isSending, setSending] = useState(false);
  const [problem, setProblem] = useState<Translated | null>(null);
  const invitees = useAsync(
    () =>
      isOpen
        ? connection.ask('scheduling:invitees', { patientId: meeting.patientId })
        : Promise.resolve(null),
    [connection, meeting.patientId, isOpen],
  );

  const save = (draft: ScheduleDraft) => {
    const request = rescheduleRequest(meeting, draft, invitees.data ?? []);

    if (!request) {
      setProblem({ key: 'meetingPage.nothingChanged', values: {} });

      return;
    }

    setSending(true);
    setProblem(null);
    connection
      .ask('scheduling:reschedule', request)
      .then(
        (updated) => {
          setOpen(false);
          onChanged(updated);
        },
        (error: unknown) => setProblem(refusalOf(error)),
      )
      .finally(() => setSending(false));
  };

  return (
    <section className="reschedule" aria-labelledby="reschedule-title">
      <h2 id="reschedule-title">{t('meetingPage.change')}</h2>
      <button type="button" aria-expanded={isOpen} onClick={() => setOpen(!isOpen)}>
        {isOpen ? t('meetingPage.closeChange') : t('meetingPage.openChange')}
      </button>
      {isOpen && invitees.data && (
        <ScheduleForm
          invitees={invitees.data}
          organiserId={meeting.createdBy ?? connection.personId}
          initial={draftOf(meeting, invitees.data)}
          submitLabel={t('meetingPage.saveChange')}
          isSending={isSending}
          onSubmit={save}
        />
      )}
      {problem && (
        <p role="alert" className="warn-text">
          {t(problem.key, problem.values)}
        </p>
      )}
    </section>
  );
}

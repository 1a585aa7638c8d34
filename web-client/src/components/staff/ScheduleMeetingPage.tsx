import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { navigate, staffHref } from '../../lib/navigation.ts';
import { suggestedStart } from '../../lib/osloTime.ts';
import { useAsync } from '../../lib/useAsync.ts';
import { newDraft, scheduleRequest } from '../../staff/scheduleDraft.ts';
import type { Translated } from '../../staff/rowErrorText.ts';
import type { ScheduleDraft } from '../../staff/scheduleDraft.ts';
import { refusalOf } from '../../staff/schedulingRefusal.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { PageTitle } from '../PageTitle.tsx';
import { PatientChoice } from './PatientChoice.tsx';
import { ScheduleForm } from './ScheduleForm.tsx';

/** Scheduling a meeting about a patient; the patient is picked first when not given. */
export function ScheduleMeetingPage(props: { connection: StaffConnection; patientId: string }) {
  const { connection, patientId } = props;
  const { t } = useTranslation();

  return (
    <>
      <PageTitle>{t('schedule.title')}</PageTitle>
      {patientId ? (
        <ForPatient connection={connection} patientId={patientId} />
      ) : (
        <PatientChoice
          connection={connection}
          onChoose={(chosen) => navigate(staffHref('schedule', { patient: chosen }))}
        />
      )}
    </>
  );
}

function ForPatient({ connection, patientId }: { connection: StaffConnection; patientId: string }) {
  const { t } = useTranslation();
  const invitees = useAsync(
    () => connection.ask('scheduling:invitees', { patientId }),
    [connection, patientId],
  );
  const [isSending, setSending] = useState(false);
  const [problem, setProblem] = useState<Translated | null>(null);
  const patient = invitees.data?.find((i) => i.role === 'patient');

  const schedule = (draft: ScheduleDraft) => {
    setSending(true);
    setProblem(null);
    connection
      .ask('scheduling:schedule', scheduleRequest(patientId, draft, invitees.data ?? []))
      .then(
        (meeting) => {
          void connection.reminders.refresh();
          navigate(staffHref('meeting', { id: meeting.id, scheduled: '1' }), { replace: true });
        },
        (error: unknown) => {
          setProblem(refusalOf(error));
          setSending(false);
        },
      );
  };

  if (invitees.status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (!invitees.data) return <p role="alert">{t(invitees.error ?? 'errors.internal')}</p>;

  return (
    <>
      {patient && (
        <p className="lead">{t('schedule.aboutPatient', { name: patient.displayName })}</p>
      )}
      <ScheduleForm
        invitees={invitees.data}
        organiserId={connection.personId}
        initial={newDraft(invitees.data, connection.personId, suggestedStart(new Date()))}
        submitLabel={t('schedule.submit')}
        isSending={isSending}
        onSubmit={schedule}
      />
      {problem && (
        <p role="alert" className="warn-text">
          {t(problem.key, problem.values)}
        </p>
      )}
    </>
  );
}

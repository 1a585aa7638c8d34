import { useTranslation } from 'react-i18next';

import { staffHref } from '../../lib/navigation.ts';
import { useAsync } from '../../lib/useAsync.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { CarePlanPanel } from '../carePlan/CarePlanPanel.tsx';
import { Link } from '../Link.tsx';
import { PageTitle } from '../PageTitle.tsx';
import { StartCallPanel } from './StartCallPanel.tsx';

/**
 * A patient's care plan outside a call, in a page of its own: the same panel as in a meeting,
 * with the ways to a meeting beside it: one scheduled, or one now.
 */
export function PatientPlanPage(props: {
  connection: StaffConnection;
  patientId: string;
  planId: string | null;
}) {
  const { connection, patientId, planId } = props;
  const { t } = useTranslation();
  const invitees = useAsync(
    () => connection.ask('scheduling:invitees', { patientId }),
    [connection, patientId],
  );
  const patient = invitees.data?.find((i) => i.role === 'patient') ?? null;

  return (
    <>
      <PageTitle>
        {patient ? t('planPage.title', { name: patient.displayName }) : t('planPage.titleNoName')}
      </PageTitle>
      <p className="page-actions">
        <Link href={staffHref('schedule', { patient: patientId })}>{t('home.staff.schedule')}</Link>
      </p>
      <div className="plan-page">
        {planId ? (
          <CarePlanPanel
            socket={connection.socket}
            planId={planId}
            meetingId={null}
            role={connection.claims.role}
            isPlain={false}
          />
        ) : (
          <p>{t('planPage.noPlan')}</p>
        )}
        {invitees.data && (
          <StartCallPanel connection={connection} patientId={patientId} invitees={invitees.data} />
        )}
        {invitees.error && <p role="alert">{t(invitees.error)}</p>}
      </div>
    </>
  );
}

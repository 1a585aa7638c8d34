import type { CoordinatedPatient } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import { staffHref } from '../../lib/navigation.ts';
import { formatCalendarDate, formatDateTime } from '../../lib/osloTime.ts';
import { useAsync } from '../../lib/useAsync.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';
import { Link } from '../Link.tsx';
import { PageTitle } from '../PageTitle.tsx';

/**
 * The coordinator's home page: each patient they coordinate, with the plan's next review, its open
 * and overdue actions and the meetings coming up, and the way to the plan and to a new meeting.
 */
export function CoordinatorHome({ connection }: { connection: StaffConnection }) {
  const { t } = useTranslation();
  const overview = useAsync(() => connection.ask('scheduling:overview', {}), [connection]);
  const patients = overview.data?.patients ?? [];

  return (
    <>
      <PageTitle>{t('home.staff.title')}</PageTitle>
      {overview.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {overview.error && <p role="alert">{t(overview.error)}</p>}
      {overview.status === 'ready' && patients.length === 0 && <p>{t('home.staff.none')}</p>}
      {patients.length > 0 && (
        <table className="overview" data-testid="coordinated-patients">
          <caption className="visually-hidden">{t('home.staff.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('home.staff.patient')}</th>
              <th scope="col">{t('home.staff.nextReview')}</th>
              <th scope="col">{t('home.staff.openActions')}</th>
              <th scope="col">{t('home.staff.overdueActions')}</th>
              <th scope="col">{t('home.staff.upcoming')}</th>
            </tr>
          </thead>
          <tbody>
            {patients.map((patient) => (
              <PatientRow key={patient.patientId} patient={patient} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function PatientRow({ patient }: { patient: CoordinatedPatient }) {
  const { t, i18n } = useTranslation();
  const planHref = patient.carePlanId
    ? staffHref('plan', { patient: patient.patientId, plan: patient.carePlanId })
    : null;

  return (
    <tr>
      <th scope="row">
        <span className="patient-name">{patient.displayName}</span>
        <span className="row-links">
          {planHref && <Link href={planHref}>{t('home.staff.openPlan')}</Link>}
          <Link href={staffHref('schedule', { patient: patient.patientId })}>
            {t('home.staff.schedule')}
          </Link>
        </span>
      </th>
      <td>
        {patient.nextReview
          ? formatCalendarDate(patient.nextReview, i18n.language)
          : t('home.staff.noReview')}
      </td>
      <td>{patient.openActions ?? t('home.staff.noPlanAccess')}</td>
      <td className={(patient.overdueActions ?? 0) > 0 ? 'overdue' : undefined}>
        {patient.overdueActions === null
          ? t('home.staff.noPlanAccess')
          : patient.overdueActions > 0
            ? t('home.staff.overdueCount', { count: patient.overdueActions })
            : patient.overdueActions}
      </td>
      <td>
        {patient.upcomingMeetings.length === 0 ? (
          t('home.staff.noMeetings')
        ) : (
          <ul className="plain-list">
            {patient.upcomingMeetings.map((m) => (
              <li key={`${m.meetingId}@${m.startsAt}`}>
                <Link href={staffHref('meeting', { id: m.meetingId })}>
                  {formatDateTime(m.startsAt, i18n.language)}
                </Link>
                {m.purpose && <span className="muted"> – {m.purpose}</span>}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

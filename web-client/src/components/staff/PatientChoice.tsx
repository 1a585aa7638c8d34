import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { useAsync } from '../../lib/useAsync.ts';
import type { StaffConnection } from '../../staff/StaffConnection.ts';

/** Which patient a new meeting is about: one of those the team member coordinates. */
export function PatientChoice(props: {
  connection: StaffConnection;
  onChoose: (patientId: string) => void;
}) {
  const { connection, onChoose } = props;
  const { t } = useTranslation();
  const id = useId();
  const overview = useAsync(() => connection.ask('scheduling:overview', {}), [connection]);
  const [chosen, setChosen] = useState('');
  const patients = overview.data?.patients ?? [];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (chosen) onChoose(chosen);
  };

  if (overview.status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (overview.error) return <p role="alert">{t(overview.error)}</p>;
  if (patients.length === 0) return <p>{t('schedule.noPatients')}</p>;

  return (
    <form className="patient-choice" onSubmit={submit}>
      <label htmlFor={`${id}-patient`}>{t('schedule.patient')}</label>
      <select
        id={`${id}-patient`}
        name="patient"
        required
        value={chosen}
        onChange={(e) => setChosen(e.target.value)}
      >
        <option value="">{t('schedule.choosePatient')}</option>
        {patients.map((p) => (
          <option key={p.patientId} value={p.patientId}>
            {p.displayName}
          </option>
        ))}
      </select>
      <button type="submit" className="primary">
        {t('schedule.next')}
      </button>
    </form>
  );
}

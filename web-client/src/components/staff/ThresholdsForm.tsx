import type { Worklist, WorklistThresholds } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { errorKey } from '../../lib/useAsync.ts';

const NUMBERS = [
  ['minAge', 130],
  ['minLongTermConditions', 50],
  ['minEmergencyAdmissions', 365],
  ['minBedDays', 366],
] as const;

/** The thresholds that flag a person, for the coordinator's organisation. */
export function ThresholdsForm(props: {
  worklist: Worklist;
  onSave: (thresholds: WorklistThresholds) => Promise<unknown>;
}) {
  const { worklist, onSave } = props;
  const { t } = useTranslation();
  const id = useId();
  const [draft, setDraft] = useState(worklist.thresholds);
  const [municipalities, setMunicipalities] = useState(
    worklist.thresholds.municipalities.join(', '),
  );
  const [status, setStatus] = useState<string | null>(null);
  const [isSaving, setSaving] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setStatus(null);
    onSave({
      ...draft,
      municipalities: municipalities
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    })
      .then(
        () => setStatus('worklist.thresholds.saved'),
        (error: unknown) => setStatus(errorKey(error)),
      )
      .finally(() => setSaving(false));
  };

  return (
    <form className="thresholds" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('worklist.thresholds.title')}</h2>
      {worklist.defaultThresholds && <p className="hint">{t('worklist.thresholds.default')}</p>}
      {NUMBERS.map(([field, max]) => (
        <div key={field}>
          <label htmlFor={`${id}-${field}`}>{t(`worklist.thresholds.${field}`)}</label>
          <input
            id={`${id}-${field}`}
            name={field}
            type="number"
            min={0}
            max={max}
            required
            value={draft[field]}
            onChange={(e) => setDraft({ ...draft, [field]: Number(e.target.value) })}
          />
        </div>
      ))}
      <label htmlFor={`${id}-criteria`}>{t('worklist.thresholds.minCriteriaMet')}</label>
      <select
        id={`${id}-criteria`}
        name="minCriteriaMet"
        value={draft.minCriteriaMet}
        onChange={(e) => setDraft({ ...draft, minCriteriaMet: Number(e.target.value) })}
      >
        {[1, 2, 3, 4].map((n) => (
          <option key={n} value={n}>
            {t('worklist.thresholds.ofFour', { count: n })}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-municipalities`}>{t('worklist.thresholds.municipalities')}</label>
      <input
        id={`${id}-municipalities`}
        name="municipalities"
        aria-describedby={`${id}-municipalities-hint`}
        value={municipalities}
        onChange={(e) => setMunicipalities(e.target.value)}
      />
      <p id={`${id}-municipalities-hint`} className="hint">
        {t('worklist.thresholds.municipalitiesHint')}
      </p>
      <button type="submit" className="primary" disabled={isSaving}>
        {t('worklist.thresholds.save')}
      </button>
      <p role="status" className="confirmation">
        {status && t(status)}
      </p>
    </form>
  );
}

import { useEffect, useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';

type DateField = 'periodStart' | 'periodEnd' | 'nextReview';

const FIELDS: DateField[] = ['periodStart', 'periodEnd', 'nextReview'];

/** The plan's period and next review, edited together behind a button. */
export function PlanDatesForm() {
  const { t } = useTranslation();
  const { store, plan } = usePlan();
  const id = useId();
  const [draft, setDraft] = useState<Record<DateField, string> | null>(null);
  const [baseVersion, setBaseVersion] = useState(0);
  const first = useRef<HTMLInputElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  const isOpen = draft !== null;

  useEffect(() => {
    if (isOpen) first.current?.focus();
    else if (wasOpen.current) toggle.current?.focus();
    wasOpen.current = isOpen;
  }, [isOpen]);

  const open = () => {
    setBaseVersion(plan.version);
    setDraft({
      periodStart: plan.periodStart ?? '',
      periodEnd: plan.periodEnd ?? '',
      nextReview: plan.nextReview ?? '',
    });
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;

    const changes: Partial<Record<DateField, string | null>> = {};

    for (const field of FIELDS) {
      const value = draft[field] || null;

      if (value !== plan[field]) changes[field] = value;
    }
    if (Object.keys(changes).length > 0) store?.setDates(changes, baseVersion);
    setDraft(null);
  };

  if (!draft) {
    return (
      <button ref={toggle} type="button" className="edit" onClick={open}>
        {t('carePlan.editDates')}
      </button>
    );
  }

  return (
    <form className="plan-form" onSubmit={save} aria-label={t('carePlan.editDates')}>
      {FIELDS.map((field, index) => (
        <div key={field} className="field">
          <label htmlFor={`${id}-${field}`}>{t(`carePlan.field.plan.${field}`)}</label>
          <input
            ref={index === 0 ? first : undefined}
            id={`${id}-${field}`}
            type="date"
            min={field === 'periodEnd' ? draft.periodStart || undefined : undefined}
            value={draft[field]}
            onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
          />
        </div>
      ))}
      <div className="buttons">
        <button type="submit" className="primary">
          {t('carePlan.save')}
        </button>
        <button type="button" onClick={() => setDraft(null)}>
          {t('carePlan.cancel')}
        </button>
      </div>
    </form>
  );
}

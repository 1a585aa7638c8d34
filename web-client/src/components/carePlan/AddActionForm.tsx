import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { parseResponsible, responsibleOptions } from '../../carePlan/directory.ts';
import { GoalSelect } from './GoalSelect.tsx';
import { usePlan } from './PlanContext.tsx';
import { ResponsibleSelect } from './ResponsibleSelect.tsx';

/** A new action: what is to be done, who does it, for which goal, by when. */
export function AddActionForm() {
  const { t } = useTranslation();
  const { store, directory } = usePlan();
  const id = useId();
  const [description, setDescription] = useState('');
  const [responsible, setResponsible] = useState('');
  const [goalId, setGoalId] = useState('');
  const [dueDate, setDueDate] = useState('');
  // Until someone is chosen, the first in the list is: the select shows it as chosen.
  const chosen = responsible || (responsibleOptions(directory)[0]?.value ?? '');

  const submit = (event: FormEvent) => {
    event.preventDefault();

    const text = description.trim();
    const party = parseResponsible(chosen);

    if (!text || !party) return;

    store?.addAction({
      description: text,
      responsible: party,
      goalId: goalId || null,
      dueDate: dueDate || null,
    });
    setDescription('');
    setDueDate('');
  };

  return (
    <form className="plan-form add-action" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('carePlan.addAction')}</h4>
      <label htmlFor={`${id}-text`}>{t('carePlan.newAction')}</label>
      <input
        id={`${id}-text`}
        name="description"
        lang="nb"
        value={description}
        maxLength={500}
        required
        onChange={(e) => setDescription(e.target.value)}
      />
      <label htmlFor={`${id}-responsible`}>{t('carePlan.responsible')}</label>
      <ResponsibleSelect id={`${id}-responsible`} value={chosen} onChange={setResponsible} />
      <label htmlFor={`${id}-goal`}>{t('carePlan.forGoal')}</label>
      <GoalSelect id={`${id}-goal`} value={goalId} onChange={setGoalId} />
      <label htmlFor={`${id}-due`}>{t('carePlan.field.action.dueDate')}</label>
      <input
        id={`${id}-due`}
        name="dueDate"
        type="date"
        value={dueDate}
        onChange={(e) => setDueDate(e.target.value)}
      />
      <button type="submit" className="primary" disabled={!chosen}>
        {t('carePlan.add')}
      </button>
    </form>
  );
}

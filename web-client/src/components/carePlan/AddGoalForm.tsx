import type { GoalPriority } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { DateInput } from './DateInput.tsx';
import { usePlan } from './PlanContext.tsx';
import { PlanForm } from './PlanForm.tsx';
import { PrioritySelect } from './PrioritySelect.tsx';

/** A new goal, written as the patient says it. */
export function AddGoalForm() {
  const { t } = useTranslation();
  const { store } = usePlan();
  const id = useId();
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState<GoalPriority>('medium');
  const [targetDate, setTargetDate] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();

    const text = description.trim();

    if (!text) return;

    store?.addGoal({ description: text, priority, targetDate: targetDate || null });
    setDescription('');
    setTargetDate('');
  };

  return (
    <PlanForm className="add-goal" title={t('carePlan.addGoal')} onSubmit={submit}>
      <label htmlFor={`${id}-text`}>{t('carePlan.newGoal')}</label>
      <p id={`${id}-hint`} className="hint">
        {t('carePlan.newGoalHint')}
      </p>
      <input
        id={`${id}-text`}
        name="goal"
        lang="nb"
        aria-describedby={`${id}-hint`}
        value={description}
        maxLength={500}
        required
        onChange={(e) => setDescription(e.target.value)}
      />
      <label htmlFor={`${id}-priority`}>{t('carePlan.field.goal.priority')}</label>
      <PrioritySelect id={`${id}-priority`} value={priority} onChange={setPriority} />
      <label htmlFor={`${id}-date`}>{t('carePlan.field.goal.targetDate')}</label>
      <DateInput id={`${id}-date`} value={targetDate} onChange={setTargetDate} />
      <button type="submit" className="primary">
        {t('carePlan.add')}
      </button>
    </PlanForm>
  );
}

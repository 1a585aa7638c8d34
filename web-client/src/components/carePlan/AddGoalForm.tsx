import type { GoalPriority } from '@teamrom/signaling/protocol';
import { GOAL_PRIORITIES } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';

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
    <form className="plan-form add-goal" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('carePlan.addGoal')}</h4>
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
      <select
        id={`${id}-priority`}
        value={priority}
        onChange={(e) => setPriority(e.target.value as GoalPriority)}
      >
        {GOAL_PRIORITIES.map((p) => (
          <option key={p} value={p}>
            {t(`carePlan.priority.${p}`)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-date`}>{t('carePlan.field.goal.targetDate')}</label>
      <input
        id={`${id}-date`}
        type="date"
        value={targetDate}
        onChange={(e) => setTargetDate(e.target.value)}
      />
      <button type="submit" className="primary">
        {t('carePlan.add')}
      </button>
    </form>
  );
}

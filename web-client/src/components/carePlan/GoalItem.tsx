import type { Goal } from '@teamrom/signaling/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { formatDate } from '../../carePlan/dates.ts';
import { EvaluationForm } from './EvaluationForm.tsx';
import { EvaluationList } from './EvaluationList.tsx';
import { GoalEditForm } from './GoalEditForm.tsx';
import { usePlan } from './PlanContext.tsx';
import { Saving } from './Saving.tsx';

/** One goal: in the patient's words, with its priority, target date, status and evaluations. */
export function GoalItem({ goal }: { goal: Goal }) {
  const { t, i18n } = useTranslation();
  const { store, saving, canEdit, isPlain } = usePlan();
  const [form, setForm] = useState<'edit' | 'evaluate' | null>(null);
  const isEditable = canEdit && store !== null;
  const editButton = useRef<HTMLButtonElement>(null);
  const evaluateButton = useRef<HTMLButtonElement>(null);
  const lastForm = useRef(form);

  // A closed form hands the focus back to the button that opened it.
  useEffect(() => {
    if (form === null && lastForm.current === 'edit') editButton.current?.focus();
    if (form === null && lastForm.current === 'evaluate') evaluateButton.current?.focus();
    lastForm.current = form;
  }, [form]);

  return (
    <li className="goal" data-goal-id={goal.id}>
      <p className="goal-text" lang="nb">
        {goal.description}
        {saving.has(goal.id) && <Saving />}
      </p>
      <ul className="meta">
        <li>
          <span className={`priority ${goal.priority}`}>
            {isPlain
              ? t(`carePlan.plain.priority.${goal.priority}`)
              : t(`carePlan.priority.${goal.priority}`)}
          </span>
        </li>
        {goal.targetDate && (
          <li>
            {t(isPlain ? 'carePlan.plain.targetDate' : 'carePlan.targetDate', {
              date: formatDate(goal.targetDate, i18n.language),
            })}
          </li>
        )}
        {/* The patient sees how it goes; the goal's life cycle is the team's bookkeeping. */}
        {!isPlain && (
          <li>
            {t('carePlan.field.goal.lifecycleStatus')}:{' '}
            {t(`carePlan.lifecycle.${goal.lifecycleStatus}`)}
          </li>
        )}
        {goal.achievementStatus && (
          <li>
            {isPlain ? t('carePlan.plain.howItGoes') : t('carePlan.field.goal.achievementStatus')}:{' '}
            {t(`carePlan.achievement.${goal.achievementStatus}`)}
          </li>
        )}
      </ul>
      <EvaluationList goal={goal} />
      {isEditable && form === null && (
        <div className="buttons">
          <button ref={editButton} type="button" className="edit" onClick={() => setForm('edit')}>
            {t('carePlan.editGoal')}
            <span className="visually-hidden"> {goal.description}</span>
          </button>
          <button
            ref={evaluateButton}
            type="button"
            className="edit"
            onClick={() => setForm('evaluate')}
          >
            {t('carePlan.addEvaluation')}
            <span className="visually-hidden"> {goal.description}</span>
          </button>
        </div>
      )}
      {isEditable && form === 'edit' && <GoalEditForm goal={goal} onDone={() => setForm(null)} />}
      {isEditable && form === 'evaluate' && (
        <EvaluationForm goal={goal} onDone={() => setForm(null)} />
      )}
    </li>
  );
}

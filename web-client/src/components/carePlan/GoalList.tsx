import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { AddGoalForm } from './AddGoalForm.tsx';
import { GoalItem } from './GoalItem.tsx';
import { usePlan } from './PlanContext.tsx';

/** The patient's goals, most important first, each with how it is going. */
export function GoalList() {
  const { t } = useTranslation();
  const { store, plan, canEdit, isPlain } = usePlan();
  const id = useId();
  const order = { high: 0, medium: 1, low: 2 } as const;
  const goals = [...plan.goals].sort((a, b) => order[a.priority] - order[b.priority]);

  return (
    <section className="goals" aria-labelledby={id}>
      <h3 id={id}>{isPlain ? t('carePlan.plain.goals') : t('carePlan.goals')}</h3>
      {goals.length === 0 ? (
        <p className="muted">{t('carePlan.noGoals')}</p>
      ) : (
        <ol className="goal-list">
          {goals.map((goal) => (
            <GoalItem key={goal.id} goal={goal} />
          ))}
        </ol>
      )}
      {canEdit && store && <AddGoalForm />}
    </section>
  );
}

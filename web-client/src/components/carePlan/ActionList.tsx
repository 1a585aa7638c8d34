import type { CarePlanAction } from '@teamrom/signaling/protocol';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { ActionItem } from './ActionItem.tsx';
import { AddActionForm } from './AddActionForm.tsx';
import { usePlan } from './PlanContext.tsx';

/** What is done for the patient, grouped under the goal each action serves. */
export function ActionList() {
  const { t } = useTranslation();
  const { store, plan, canEdit, isPlain } = usePlan();
  const id = useId();
  const goalIds = new Set(plan.goals.map((g) => g.id));
  const groups: { key: string; heading: string; actions: CarePlanAction[] }[] = [
    ...plan.goals.map((goal) => ({
      key: goal.id,
      heading: goal.description,
      actions: plan.actions.filter((a) => a.goalId === goal.id),
    })),
    {
      key: '',
      heading: isPlain ? t('carePlan.plain.otherActions') : t('carePlan.otherActions'),
      actions: plan.actions.filter((a) => a.goalId === null || !goalIds.has(a.goalId)),
    },
  ].filter((group) => group.actions.length > 0);

  return (
    <section className="actions" aria-labelledby={id} data-testid="careplan-actions">
      <h3 id={id}>{isPlain ? t('carePlan.plain.actions') : t('carePlan.actions')}</h3>
      {groups.length === 0 && <p className="muted">{t('carePlan.noActions')}</p>}
      {groups.map((group) => (
        <div key={group.key} className="action-group">
          <h4 lang={group.key ? 'nb' : undefined}>
            {group.key && <span className="visually-hidden">{t('carePlan.forGoal')}: </span>}
            {group.heading}
          </h4>
          <ul className="action-list">
            {group.actions.map((action) => (
              <ActionItem key={action.id} action={action} />
            ))}
          </ul>
        </div>
      ))}
      {canEdit && store && <AddActionForm />}
    </section>
  );
}

import type { Goal, GoalLifecycleStatus, GoalPriority } from '@teamrom/signaling/protocol';
import { GOAL_LIFECYCLE_STATUSES, GOAL_PRIORITIES } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import type { GoalChanges } from '../../carePlan/CarePlanStore.ts';
import { usePlan } from './PlanContext.tsx';
import { useFocusOnOpen } from './useFocusOnOpen.ts';

/** Changes a goal; only the fields changed are sent, based on the version the form opened at. */
export function GoalEditForm({ goal, onDone }: { goal: Goal; onDone: () => void }) {
  const { t } = useTranslation();
  const { store, plan } = usePlan();
  const id = useId();
  const first = useFocusOnOpen<HTMLTextAreaElement>();
  const [baseVersion] = useState(plan.version);
  const [description, setDescription] = useState(goal.description);
  const [priority, setPriority] = useState<GoalPriority>(goal.priority);
  const [targetDate, setTargetDate] = useState(goal.targetDate ?? '');
  const [lifecycleStatus, setLifecycleStatus] = useState<GoalLifecycleStatus>(goal.lifecycleStatus);

  const save = (event: FormEvent) => {
    event.preventDefault();

    const changes: GoalChanges = {};

    if (description.trim() && description.trim() !== goal.description) {
      changes.description = description.trim();
    }
    if (priority !== goal.priority) changes.priority = priority;
    if ((targetDate || null) !== goal.targetDate) changes.targetDate = targetDate || null;
    if (lifecycleStatus !== goal.lifecycleStatus) changes.lifecycleStatus = lifecycleStatus;
    if (Object.keys(changes).length > 0) store?.updateGoal(goal.id, changes, baseVersion);
    onDone();
  };

  return (
    <form className="plan-form" onSubmit={save} aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('carePlan.editGoal')}</h4>
      <label htmlFor={`${id}-text`}>{t('carePlan.field.goal.description')}</label>
      <textarea
        ref={first}
        id={`${id}-text`}
        lang="nb"
        rows={2}
        maxLength={500}
        required
        value={description}
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
      <label htmlFor={`${id}-status`}>{t('carePlan.field.goal.lifecycleStatus')}</label>
      <select
        id={`${id}-status`}
        value={lifecycleStatus}
        onChange={(e) => setLifecycleStatus(e.target.value as GoalLifecycleStatus)}
      >
        {GOAL_LIFECYCLE_STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`carePlan.lifecycle.${s}`)}
          </option>
        ))}
      </select>
      <div className="buttons">
        <button type="submit" className="primary">
          {t('carePlan.save')}
        </button>
        <button type="button" onClick={onDone}>
          {t('carePlan.cancel')}
        </button>
      </div>
    </form>
  );
}

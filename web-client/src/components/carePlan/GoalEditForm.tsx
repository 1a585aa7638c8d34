import type { Goal, GoalLifecycleStatus, GoalPriority } from '@teamrom/signaling/protocol';
import { GOAL_LIFECYCLE_STATUSES } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import type { GoalChanges } from '../../carePlan/CarePlanStore.ts';
import { ChoiceSelect } from './ChoiceSelect.tsx';
import { DateInput } from './DateInput.tsx';
import { FormButtons } from './FormButtons.tsx';
import { usePlan } from './PlanContext.tsx';
import { PlanForm } from './PlanForm.tsx';
import { PrioritySelect } from './PrioritySelect.tsx';
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
    <PlanForm title={t('carePlan.editGoal')} onSubmit={save}>
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
      <PrioritySelect id={`${id}-priority`} value={priority} onChange={setPriority} />
      <label htmlFor={`${id}-date`}>{t('carePlan.field.goal.targetDate')}</label>
      <DateInput id={`${id}-date`} value={targetDate} onChange={setTargetDate} />
      <label htmlFor={`${id}-status`}>{t('carePlan.field.goal.lifecycleStatus')}</label>
      <ChoiceSelect
        id={`${id}-status`}
        value={lifecycleStatus}
        choices={GOAL_LIFECYCLE_STATUSES}
        label={(s) => t(`carePlan.lifecycle.${s}`)}
        onChange={setLifecycleStatus}
      />
      <FormButtons onCancel={onDone} />
    </PlanForm>
  );
}

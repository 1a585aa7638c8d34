import type { CarePlanAction } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import type { ActionChanges } from '../../carePlan/CarePlanStore.ts';
import { parseResponsible, responsibleValue } from '../../carePlan/directory.ts';
import { DateInput } from './DateInput.tsx';
import { FormButtons } from './FormButtons.tsx';
import { GoalSelect } from './GoalSelect.tsx';
import { usePlan } from './PlanContext.tsx';
import { PlanForm } from './PlanForm.tsx';
import { ResponsibleSelect } from './ResponsibleSelect.tsx';
import { useFocusOnOpen } from './useFocusOnOpen.ts';

/** Changes an action; only the fields changed are sent, based on the version the form opened at. */
export function ActionEditForm(props: { action: CarePlanAction; onDone: () => void }) {
  const { action, onDone } = props;
  const { t } = useTranslation();
  const { store, plan } = usePlan();
  const id = useId();
  const first = useFocusOnOpen<HTMLInputElement>();
  const [baseVersion] = useState(plan.version);
  const [description, setDescription] = useState(action.description);
  const [responsible, setResponsible] = useState(responsibleValue(action.responsible));
  const [goalId, setGoalId] = useState(action.goalId ?? '');
  const [dueDate, setDueDate] = useState(action.dueDate ?? '');

  const save = (event: FormEvent) => {
    event.preventDefault();

    const changes: ActionChanges = {};
    const party = parseResponsible(responsible);

    if (description.trim() && description.trim() !== action.description) {
      changes.description = description.trim();
    }
    if (party && responsible !== responsibleValue(action.responsible)) {
      changes.responsible = party;
    }
    if ((goalId || null) !== action.goalId) changes.goalId = goalId || null;
    if ((dueDate || null) !== action.dueDate) changes.dueDate = dueDate || null;
    if (Object.keys(changes).length > 0) store?.updateAction(action.id, changes, baseVersion);
    onDone();
  };

  return (
    <PlanForm title={t('carePlan.editAction')} onSubmit={save}>
      <label htmlFor={`${id}-text`}>{t('carePlan.field.action.description')}</label>
      <input
        ref={first}
        id={`${id}-text`}
        lang="nb"
        maxLength={500}
        required
        value={description}
        onChange={(e) => setDescription(e.target.value)}
      />
      <label htmlFor={`${id}-responsible`}>{t('carePlan.responsible')}</label>
      <ResponsibleSelect id={`${id}-responsible`} value={responsible} onChange={setResponsible} />
      <label htmlFor={`${id}-goal`}>{t('carePlan.forGoal')}</label>
      <GoalSelect id={`${id}-goal`} value={goalId} onChange={setGoalId} />
      <label htmlFor={`${id}-due`}>{t('carePlan.field.action.dueDate')}</label>
      <DateInput id={`${id}-due`} value={dueDate} onChange={setDueDate} />
      <FormButtons onCancel={onDone} />
    </PlanForm>
  );
}

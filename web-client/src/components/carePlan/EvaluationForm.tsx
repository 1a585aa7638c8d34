import type { Goal, GoalAchievementStatus } from '@teamrom/signaling/protocol';
import { GOAL_ACHIEVEMENT_STATUSES } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { ChoiceSelect } from './ChoiceSelect.tsx';
import { DateInput } from './DateInput.tsx';
import { FormButtons } from './FormButtons.tsx';
import { usePlan } from './PlanContext.tsx';
import { PlanForm } from './PlanForm.tsx';
import { useFocusOnOpen } from './useFocusOnOpen.ts';

/** Records how a goal is going, on a date, in words. */
export function EvaluationForm({ goal, onDone }: { goal: Goal; onDone: () => void }) {
  const { t } = useTranslation();
  const { store, today } = usePlan();
  const id = useId();
  const first = useFocusOnOpen<HTMLSelectElement>();
  const [date, setDate] = useState(today);
  const [status, setStatus] = useState<GoalAchievementStatus>(
    goal.achievementStatus ?? 'in-progress',
  );
  const [text, setText] = useState('');

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim() || !date) return;

    store?.evaluateGoal(goal.id, { date, text: text.trim(), achievementStatus: status });
    onDone();
  };

  return (
    <PlanForm title={t('carePlan.addEvaluation')} onSubmit={save}>
      <label htmlFor={`${id}-status`}>{t('carePlan.field.goal.achievementStatus')}</label>
      <ChoiceSelect
        ref={first}
        id={`${id}-status`}
        value={status}
        choices={GOAL_ACHIEVEMENT_STATUSES}
        label={(s) => t(`carePlan.achievement.${s}`)}
        onChange={setStatus}
      />
      <label htmlFor={`${id}-date`}>{t('carePlan.evaluationDate')}</label>
      <DateInput id={`${id}-date`} required value={date} onChange={setDate} />
      <label htmlFor={`${id}-text`}>{t('carePlan.evaluationText')}</label>
      <textarea
        id={`${id}-text`}
        lang="nb"
        rows={3}
        maxLength={2000}
        required
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <FormButtons onCancel={onDone} />
    </PlanForm>
  );
}

import type { Goal, GoalAchievementStatus } from '@teamrom/signaling/protocol';
import { GOAL_ACHIEVEMENT_STATUSES } from '@teamrom/signaling/protocol';
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';
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
    <form className="plan-form" onSubmit={save} aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>{t('carePlan.addEvaluation')}</h4>
      <label htmlFor={`${id}-status`}>{t('carePlan.field.goal.achievementStatus')}</label>
      <select
        ref={first}
        id={`${id}-status`}
        value={status}
        onChange={(e) => setStatus(e.target.value as GoalAchievementStatus)}
      >
        {GOAL_ACHIEVEMENT_STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`carePlan.achievement.${s}`)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-date`}>{t('carePlan.evaluationDate')}</label>
      <input
        id={`${id}-date`}
        type="date"
        required
        value={date}
        onChange={(e) => setDate(e.target.value)}
      />
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

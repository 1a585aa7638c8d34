import type { Goal } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import { formatDate } from '../../carePlan/dates.ts';
import { personName } from '../../carePlan/directory.ts';
import { usePlan } from './PlanContext.tsx';
import { Saving } from './Saving.tsx';

/** A goal's dated evaluations, newest first. */
export function EvaluationList({ goal }: { goal: Goal }) {
  const { t, i18n } = useTranslation();
  const { directory, saving, isPlain } = usePlan();

  if (goal.evaluations.length === 0) return null;

  const evaluations = [...goal.evaluations].sort((a, b) => b.date.localeCompare(a.date));

  return (
    <div className="evaluations">
      <h4>{isPlain ? t('carePlan.plain.evaluations') : t('carePlan.evaluations')}</h4>
      <ul>
        {evaluations.map((evaluation) => (
          <li key={evaluation.id}>
            <p className="meta">
              {formatDate(evaluation.date, i18n.language)} ·{' '}
              {t(`carePlan.achievement.${evaluation.achievementStatus}`)}
              {personName(directory, evaluation.authorId) && (
                <> · {personName(directory, evaluation.authorId)}</>
              )}
              {saving.has(evaluation.id) && <Saving />}
            </p>
            <p lang="nb">{evaluation.text}</p>
          </li>
        ))}
      </ul>
    </div>
  );
}

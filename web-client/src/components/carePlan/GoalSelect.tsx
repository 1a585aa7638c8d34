import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';

/** Which goal an action serves, or none in particular. */
export function GoalSelect(props: {
  id: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const { plan } = usePlan();

  return (
    <select
      id={props.id}
      name="goal"
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
    >
      <option value="">{t('carePlan.noGoal')}</option>
      {plan.goals.map((goal) => (
        <option key={goal.id} value={goal.id}>
          {goal.description}
        </option>
      ))}
    </select>
  );
}

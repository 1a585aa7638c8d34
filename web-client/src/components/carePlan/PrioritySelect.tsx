import type { GoalPriority } from '@teamrom/signaling/protocol';
import { GOAL_PRIORITIES } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import { ChoiceSelect } from './ChoiceSelect.tsx';

/** How much a goal matters. */
export function PrioritySelect(props: {
  id: string;
  value: GoalPriority;
  onChange: (value: GoalPriority) => void;
}) {
  const { t } = useTranslation();

  return (
    <ChoiceSelect
      id={props.id}
      value={props.value}
      choices={GOAL_PRIORITIES}
      label={(p) => t(`carePlan.priority.${p}`)}
      onChange={props.onChange}
    />
  );
}

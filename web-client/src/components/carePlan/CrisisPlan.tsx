import type { PlanSection } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';
import { SectionList } from './SectionList.tsx';

const CRISIS_SECTIONS: PlanSection[] = [
  'crisisWarningSigns',
  'crisisWhatToDo',
  'crisisContacts',
  'crisisHowToMeet',
];

/** The crisis plan: the signs that things get worse, what to do then, whom to call, how to meet. */
export function CrisisPlan() {
  const { t } = useTranslation();
  const { isPlain } = usePlan();

  return (
    <SectionList
      className="crisis-plan"
      heading={isPlain ? t('carePlan.plain.crisisPlan') : t('carePlan.crisisPlan')}
      sections={CRISIS_SECTIONS}
    />
  );
}

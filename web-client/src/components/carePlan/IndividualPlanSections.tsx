import type { PlanSection } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';
import { SectionList } from './SectionList.tsx';

const SECTIONS: PlanSection[] = [
  'resourcesAndNeeds',
  'participants',
  'contributions',
  'implementation',
  'cooperation',
];

/** The parts of the plan an individual plan must hold, beyond goals and actions. */
export function IndividualPlanSections() {
  const { t } = useTranslation();
  const { plan, isPlain } = usePlan();
  // The patient is spared empty headings; the team sees what is still to be written.
  const shown = isPlain ? SECTIONS.filter((s) => plan.sections[s].trim()) : SECTIONS;

  if (shown.length === 0) return null;

  return (
    <SectionList
      className="plan-parts"
      heading={isPlain ? t('carePlan.plain.cooperation') : t('carePlan.aboutCooperation')}
      sections={shown}
    />
  );
}

import type { PlanSection } from '@teamrom/signaling/protocol';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';
import { SectionText } from './SectionText.tsx';

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
  const { plan, canEdit, isPlain } = usePlan();
  const id = useId();
  // The patient is spared empty headings; the team sees what is still to be written.
  const shown = isPlain ? SECTIONS.filter((s) => plan.sections[s].trim()) : SECTIONS;

  if (shown.length === 0) return null;

  return (
    <section className="plan-parts" aria-labelledby={id}>
      <h3 id={id}>{isPlain ? t('carePlan.plain.cooperation') : t('carePlan.aboutCooperation')}</h3>
      {shown.map((section) => (
        <SectionText
          key={section}
          section={section}
          heading={
            isPlain ? t(`carePlan.plain.section.${section}`) : t(`carePlan.section.${section}`)
          }
          canEdit={canEdit}
          headingLevel="h4"
        />
      ))}
    </section>
  );
}

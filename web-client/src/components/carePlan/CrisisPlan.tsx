import type { PlanSection } from '@teamrom/signaling/protocol';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';
import { SectionText } from './SectionText.tsx';

const CRISIS_SECTIONS: PlanSection[] = [
  'crisisWarningSigns',
  'crisisWhatToDo',
  'crisisContacts',
  'crisisHowToMeet',
];

/** The crisis plan: the signs that things get worse, what to do then, whom to call, how to meet. */
export function CrisisPlan() {
  const { t } = useTranslation();
  const { canEdit, isPlain } = usePlan();
  const id = useId();

  return (
    <section className="crisis-plan" aria-labelledby={id}>
      <h3 id={id}>{isPlain ? t('carePlan.plain.crisisPlan') : t('carePlan.crisisPlan')}</h3>
      {CRISIS_SECTIONS.map((section) => (
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

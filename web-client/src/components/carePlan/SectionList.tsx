import type { PlanSection } from '@teamrom/signaling/protocol';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';
import { SectionText } from './SectionText.tsx';

interface Props {
  className: string;
  heading: string;
  sections: readonly PlanSection[];
}

/** A group of free-text sections under one heading, each named for the reader of the plan. */
export function SectionList({ className, heading, sections }: Props) {
  const { t } = useTranslation();
  const { canEdit, isPlain } = usePlan();
  const id = useId();

  return (
    <section className={className} aria-labelledby={id}>
      <h3 id={id}>{heading}</h3>
      {sections.map((section) => (
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

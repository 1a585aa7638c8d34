import type { PlanSection } from '@teamrom/signaling/protocol';
import { useId } from 'react';

import { EditableText } from './EditableText.tsx';
import { usePlan } from './PlanContext.tsx';

interface Props {
  section: PlanSection;
  heading: string;
  canEdit: boolean;
  className?: string;
  /** Shown as a quotation: the patient's own words. */
  isQuote?: boolean;
  headingLevel?: 'h3' | 'h4';
}

/** One free-text section of the plan under its heading, editable in place by those who may. */
export function SectionText(props: Props) {
  const { store, plan, saving } = usePlan();
  const headingId = useId();
  const Heading = props.headingLevel ?? 'h3';

  return (
    <section className={`plan-section ${props.className ?? ''}`} aria-labelledby={headingId}>
      <Heading id={headingId}>{props.heading}</Heading>
      <EditableText
        labelId={headingId}
        label={props.heading}
        text={plan.sections[props.section]}
        canEdit={props.canEdit && store !== null}
        isSaving={saving.has(`sections.${props.section}`)}
        isQuote={props.isQuote ?? false}
        onSave={(text, baseVersion) => store?.setSection(props.section, text, baseVersion)}
      />
    </section>
  );
}

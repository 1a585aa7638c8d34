import type { IndividualPlanPart } from '@teamrom/signaling/protocol';
import { INDIVIDUAL_PLAN_PARTS } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

/** What an individual plan still lacks before it can be made active, in the regulation's order. */
export function IndividualPlanParts(props: { id: string; missingParts: IndividualPlanPart[] }) {
  const { t } = useTranslation();
  const missing = INDIVIDUAL_PLAN_PARTS.filter((part) => props.missingParts.includes(part));

  if (missing.length === 0) {
    return (
      <p id={props.id} className="parts-complete">
        {t('carePlan.individualPlan.complete')}
      </p>
    );
  }

  return (
    <div id={props.id} className="parts-missing">
      <p>
        <strong>{t('carePlan.individualPlan.cannotActivate')}</strong>
      </p>
      <p>{t('carePlan.individualPlan.missing', { count: missing.length })}</p>
      <ul>
        {missing.map((part) => (
          <li key={part}>{t(`carePlan.individualPlan.part.${part}`)}</li>
        ))}
      </ul>
    </div>
  );
}

import { useTranslation } from 'react-i18next';

import { usePlan } from './PlanContext.tsx';
import { SectionText } from './SectionText.tsx';

/** "Hva er viktig for deg?": the patient's own words, first and prominent. */
export function WhatMatters() {
  const { t } = useTranslation();
  const { isPlain, canEdit, canEditOwnWords } = usePlan();

  return (
    <SectionText
      section="whatMatters"
      heading={isPlain ? t('carePlan.whatMatters') : t('carePlan.whatMattersToPatient')}
      className="what-matters"
      canEdit={canEdit || canEditOwnWords}
      isQuote
    />
  );
}

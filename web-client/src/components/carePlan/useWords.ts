import { useTranslation } from 'react-i18next';

import type { WordsContext } from '../../carePlan/words.ts';
import { usePlan } from './PlanContext.tsx';

/** What the word helpers need, for the plan being shown. */
export function useWords(): WordsContext {
  const { t, i18n } = useTranslation();
  const { plan, directory } = usePlan();

  return { t, language: i18n.language, directory, plan };
}

import { useTranslation } from 'react-i18next';

/** Marks what this reader changed and the server has not confirmed yet. */
export function Saving() {
  const { t } = useTranslation();

  return <em className="saving"> {t('carePlan.saving')}</em>;
}

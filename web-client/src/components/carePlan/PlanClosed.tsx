import { useTranslation } from 'react-i18next';

/** Shown in place of the plan once the server has taken it away from this reader. */
export function PlanClosed() {
  const { t } = useTranslation();

  return (
    <div className="plan-closed" role="alert">
      <p>
        <strong>{t('carePlan.closed.title')}</strong>
      </p>
      <p>{t('carePlan.closed.accessWithdrawn')}</p>
    </div>
  );
}

import { useTranslation } from 'react-i18next';

import type { PlanClosedReason } from '../../carePlan/CarePlanStore.ts';

/** Shown in place of the plan once the server has taken it away from this reader, and why. */
export function PlanClosed({ reason }: { reason: PlanClosedReason }) {
  const { t } = useTranslation();

  return (
    <div className="plan-closed" role="alert">
      <p>
        <strong>{t('carePlan.closed.title')}</strong>
      </p>
      <p>
        {reason === 'expired' ? t('carePlan.closed.expired') : t('carePlan.closed.accessWithdrawn')}
      </p>
    </div>
  );
}

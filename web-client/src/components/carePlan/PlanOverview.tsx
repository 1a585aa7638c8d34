import type { IndividualPlanPart, PlanStatus } from '@teamrom/signaling/protocol';
import { PLAN_STATUSES } from '@teamrom/signaling/protocol';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { formatDate } from '../../carePlan/dates.ts';
import { IndividualPlanParts } from './IndividualPlanParts.tsx';
import { PlanDatesForm } from './PlanDatesForm.tsx';
import { usePlan } from './PlanContext.tsx';
import { Saving } from './Saving.tsx';

/** Where the plan stands: its status, the period it covers, when it is next reviewed. */
export function PlanOverview({ missingParts }: { missingParts: IndividualPlanPart[] | null }) {
  const { t, i18n } = useTranslation();
  const { store, plan, saving, canEdit, isPlain } = usePlan();
  const id = useId();
  const date = (d: string | null) => (d ? formatDate(d, i18n.language) : t('carePlan.noDate'));
  const isEditable = canEdit && store !== null;
  const cannotActivate = plan.isIndividualPlan && (missingParts?.length ?? 0) > 0;

  if (isPlain) {
    return (
      <section className="plan-overview" aria-labelledby={`${id}-title`}>
        <h3 id={`${id}-title`}>{t('carePlan.plain.aboutPlan')}</h3>
        <p>{t(`carePlan.plain.status.${plan.status}`)}</p>
        {plan.periodStart && (
          <p>
            {plan.periodEnd
              ? t('carePlan.plain.period', {
                  from: date(plan.periodStart),
                  to: date(plan.periodEnd),
                })
              : t('carePlan.plain.periodFrom', { from: date(plan.periodStart) })}
          </p>
        )}
        {plan.nextReview && (
          <p>{t('carePlan.plain.nextReview', { date: date(plan.nextReview) })}</p>
        )}
      </section>
    );
  }

  const changeStatus = (status: PlanStatus) => store?.setStatus(status);

  return (
    <section className="plan-overview" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('carePlan.overview')}</h3>
      <dl className="facts">
        <dt>{t('carePlan.field.plan.status')}</dt>
        <dd>
          {isEditable ? (
            <select
              aria-label={t('carePlan.field.plan.status')}
              aria-describedby={cannotActivate ? `${id}-parts` : undefined}
              value={plan.status}
              onChange={(e) => changeStatus(e.target.value as PlanStatus)}
            >
              {PLAN_STATUSES.map((status) => (
                <option
                  key={status}
                  value={status}
                  disabled={status === 'active' && cannotActivate && plan.status !== 'active'}
                >
                  {t(`carePlan.status.${status}`)}
                </option>
              ))}
            </select>
          ) : (
            t(`carePlan.status.${plan.status}`)
          )}
          {saving.has('status') && <Saving />}
        </dd>
        <dt>{t('carePlan.period')}</dt>
        <dd>
          {plan.periodStart || plan.periodEnd
            ? t('carePlan.periodRange', { from: date(plan.periodStart), to: date(plan.periodEnd) })
            : t('carePlan.noDate')}
        </dd>
        <dt>{t('carePlan.field.plan.nextReview')}</dt>
        <dd>
          {date(plan.nextReview)}
          {saving.has('dates') && <Saving />}
        </dd>
      </dl>
      {isEditable && <PlanDatesForm />}
      <div className="individual-plan">
        {isEditable ? (
          <label className="check">
            <input
              type="checkbox"
              checked={plan.isIndividualPlan}
              onChange={(e) => store?.setIndividualPlan(e.target.checked)}
            />
            {t('carePlan.individualPlan.flag')}
          </label>
        ) : (
          <p>
            {plan.isIndividualPlan
              ? t('carePlan.individualPlan.isOne')
              : t('carePlan.individualPlan.isNotOne')}
          </p>
        )}
        {saving.has('isIndividualPlan') && <Saving />}
        {plan.isIndividualPlan && missingParts && (
          <IndividualPlanParts id={`${id}-parts`} missingParts={missingParts} />
        )}
      </div>
    </section>
  );
}

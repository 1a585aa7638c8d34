import { INDIVIDUAL_PLAN_PARTS } from '@teamrom/signaling/protocol';
import { useTranslation } from 'react-i18next';

import type { CarePlanStore, PlanNotice } from '../../carePlan/CarePlanStore.ts';
import { planView } from '../../carePlan/planView.ts';
import type { WordsContext } from '../../carePlan/words.ts';
import { describeOperation, fieldWords, valueWords } from '../../carePlan/words.ts';
import { useStore } from '../../lib/useStore.ts';

/**
 * Changes that were not saved, and why, in a live region that is always there: screen readers
 * announce each notice as it appears.
 */
export function PlanNotices({ store }: { store: CarePlanStore }) {
  const { t, i18n } = useTranslation();
  const state = useStore(store.state);
  const ctx: WordsContext = {
    t,
    language: i18n.language,
    directory: state.directory,
    plan: planView(state).plan,
  };

  return (
    <div className="plan-notices" role="alert">
      {state.notices.map((notice) => (
        <div key={notice.id} className="notice" data-notice={notice.kind}>
          <p>{noticeText(ctx, notice)}</p>
          {/* A text the author wrote is not lost with the refused change: they can copy it. */}
          {notice.operation.type === 'section.set' && notice.operation.text.trim() && (
            <p>
              {t('carePlan.notice.yourText')}{' '}
              <q className="section-text" lang="nb">
                {notice.operation.text}
              </q>
            </p>
          )}
          <button type="button" onClick={() => store.dismissNotice(notice.id)}>
            {t('carePlan.dismiss')}
          </button>
        </div>
      ))}
    </div>
  );
}

function noticeText(ctx: WordsContext, notice: PlanNotice): string {
  const { t } = ctx;

  switch (notice.kind) {
    case 'conflict':
      return t('carePlan.notice.conflict', {
        what: fieldWords(ctx, notice.field),
        current: valueWords(ctx, notice.field, notice.current),
      });
    case 'incomplete': {
      const parts = INDIVIDUAL_PLAN_PARTS.filter((part) => notice.missingParts.includes(part))
        .map((part) => t(`carePlan.individualPlan.part.${part}`))
        .join(', ');

      // Making the plan active, or any other change that would take a part from an active one.
      return notice.operation.type === 'plan.setStatus'
        ? t('carePlan.notice.incomplete', { parts })
        : t('carePlan.notice.incompleteChange', {
            what: describeOperation(ctx, notice.operation),
            parts,
          });
    }
    case 'refused': {
      const reason = [
        'forbidden',
        'access_withdrawn',
        'expired',
        'unauthorized',
        'not_found',
      ].includes(notice.code)
        ? notice.code
        : 'other';

      return t('carePlan.notice.refused', {
        what: describeOperation(ctx, notice.operation),
        reason: t(`carePlan.notice.reason.${reason}`),
      });
    }
    default: {
      const unknown: never = notice;

      return String(unknown);
    }
  }
}

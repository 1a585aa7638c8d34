import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

import type { CarePlanStore } from '../../carePlan/CarePlanStore.ts';
import { planView } from '../../carePlan/planView.ts';
import { today } from '../../carePlan/dates.ts';
import { useStore } from '../../lib/useStore.ts';
import { PlanContext } from './PlanContext.tsx';
import { PlanDocument } from './PlanDocument.tsx';

/** The plan as it stands, with the changes of this reader still being saved. */
export function LivePlan({ store, isPlain }: { store: CarePlanStore; isPlain: boolean }) {
  const { t } = useTranslation();
  const state = useStore(store.state);
  const { plan, saving } = useMemo(() => planView(state), [state]);

  if (state.status === 'loading' && !plan) return <p role="status">{t('carePlan.loading')}</p>;
  if (state.status === 'unavailable' || !plan) {
    return <p role="alert">{t('carePlan.unavailable')}</p>;
  }

  return (
    <PlanContext
      value={{
        store,
        plan,
        directory: state.directory,
        saving,
        canEdit: state.access.canEdit,
        canEditOwnWords: state.access.canEditOwnWords,
        isPlain,
        meetingId: store.meetingId,
        today: today(),
      }}
    >
      <PlanDocument missingParts={state.missingParts} />
    </PlanContext>
  );
}

import type { IndividualPlanPart } from '@teamrom/signaling/protocol';

import { ActionList } from './ActionList.tsx';
import { CrisisPlan } from './CrisisPlan.tsx';
import { GoalList } from './GoalList.tsx';
import { IndividualPlanSections } from './IndividualPlanSections.tsx';
import { NoteList } from './NoteList.tsx';
import { PlanOverview } from './PlanOverview.tsx';
import { WhatMatters } from './WhatMatters.tsx';

/**
 * The whole plan, in the order a reader needs it: what matters to the patient first, then where the
 * plan stands, the goals, what is done for them, the crisis plan, the rest of an individual plan,
 * and the notes. `missingParts` is null where it is not known (an earlier version).
 */
export function PlanDocument({ missingParts }: { missingParts: IndividualPlanPart[] | null }) {
  return (
    <div className="plan-document">
      <WhatMatters />
      <PlanOverview missingParts={missingParts} />
      <GoalList />
      <ActionList />
      <CrisisPlan />
      <IndividualPlanSections />
      <NoteList />
    </div>
  );
}

import type { CarePlan, PlanDirectory } from '@teamrom/signaling/protocol';
import { createContext, useContext } from 'react';

import type { CarePlanStore } from '../../carePlan/CarePlanStore.ts';

/** What every part of a shown plan needs to know: the plan, the names, and what the reader may do. */
export interface PlanContextValue {
  /** Null for a plan shown read-only, such as an earlier version. */
  store: CarePlanStore | null;
  plan: CarePlan;
  directory: PlanDirectory;
  /** Ids and field paths with a change still being saved. */
  saving: Set<string>;
  canEdit: boolean;
  /** The patient: may write "what matters to you" and notes, in their own words. */
  canEditOwnWords: boolean;
  /** The patient's view: plain words, large text. */
  isPlain: boolean;
  /** The meeting this plan is open in, if any. */
  meetingId: string | null;
  /** Today's date, for overdue actions. */
  today: string;
}

export const PlanContext = createContext<PlanContextValue | null>(null);

export function usePlan(): PlanContextValue {
  const value = useContext(PlanContext);

  if (!value) throw new Error('usePlan outside a PlanContext');

  return value;
}

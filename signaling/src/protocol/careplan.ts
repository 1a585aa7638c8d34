import { z } from 'zod';

/** Who carries out an action. A care plan crosses services, so this is a service, not a person. */
export const RESPONSIBLE_PARTIES = [
  'hospital',
  'municipality',
  'gp',
  'patient',
  'relative',
] as const;
export const responsiblePartySchema = z.enum(RESPONSIBLE_PARTIES);
export type ResponsibleParty = z.infer<typeof responsiblePartySchema>;

export const ACTION_STATUSES = ['open', 'done'] as const;
export const actionStatusSchema = z.enum(ACTION_STATUSES);
export type ActionStatus = z.infer<typeof actionStatusSchema>;

export interface Goal {
  id: string;
  /** In the patient's own words. */
  description: string;
  priority: 'high' | 'medium' | 'low';
  targetDate: string | null;
}

export interface CarePlanAction {
  id: string;
  description: string;
  responsible: ResponsibleParty;
  status: ActionStatus;
  goalId: string | null;
  dueDate: string | null;
  /** Plan version in which this action was created or its status last changed. */
  changedInVersion: number;
}

export interface CarePlan {
  id: string;
  patientId: string;
  version: number;
  /** "Hva er viktig for deg": what matters to the patient, in their own words. */
  whatMatters: string;
  goals: Goal[];
  actions: CarePlanAction[];
  updatedAt: string;
}

/** Characters that take no room on screen: text made only of them would look empty. */
const INVISIBLE = /[\s\u00ad\u200b-\u200f\u2060-\u2064\ufeff]/g;

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    // Control characters and bidirectional overrides could hide or reorder what others read.
    .refine(
      (s) =>
        !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(s),
      'control characters',
    )
    .refine((s) => s.replace(INVISIBLE, '').length > 0, 'no visible text');

/** A calendar date a care plan can sensibly hold. */
const planDate = z.iso
  .date()
  .refine((d) => d >= '1900-01-01' && d <= '2199-12-31', 'date out of range');

export const planOperationSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('action.add'),
    actionId: z.uuid(),
    description: text(500),
    responsible: responsiblePartySchema,
    goalId: z.string().max(64).nullable().default(null),
    dueDate: planDate.nullable().default(null),
  }),
  z.object({
    type: z.literal('action.setStatus'),
    actionId: z.string().min(1).max(64),
    status: actionStatusSchema,
  }),
]);
export type PlanOperation = z.infer<typeof planOperationSchema>;
export type PlanOperationInput = z.input<typeof planOperationSchema>;

export const applyPlanOperationSchema = z.object({
  planId: z.string().min(1).max(64),
  /** The plan version the author saw when making the change. */
  baseVersion: z.number().int().nonnegative(),
  /** Chosen by the client; re-sending the same key applies the operation at most once. */
  idempotencyKey: z.uuid(),
  operation: planOperationSchema,
});
export type ApplyPlanOperation = z.infer<typeof applyPlanOperationSchema>;

export interface PlanOperationApplied {
  planId: string;
  version: number;
  operation: PlanOperation;
  authorId: string;
  appliedAt: string;
}

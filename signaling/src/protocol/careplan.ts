import { z } from 'zod';

/*
 * The shared care plan as both ends see it, and the operations that change it. The plan is one
 * document; every change is an operation, applied by the pure functions in `planReducer.ts` on the
 * server (which stores it) and on every client (which shows it).
 */

export const PLAN_STATUSES = ['draft', 'active', 'completed'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/**
 * The plan's free-text sections. `whatMatters` is "Hva er viktig for deg?" in the patient's own
 * words; the `crisis*` sections make up the crisis plan; the rest are parts the statutory
 * individual plan (individuell plan) must hold.
 */
export const PLAN_SECTIONS = [
  'whatMatters',
  'resourcesAndNeeds',
  'participants',
  'contributions',
  'implementation',
  'cooperation',
  'crisisWarningSigns',
  'crisisWhatToDo',
  'crisisContacts',
  'crisisHowToMeet',
] as const;
export type PlanSection = (typeof PLAN_SECTIONS)[number];

/** FHIR R4 Goal.lifecycleStatus codes. */
export const GOAL_LIFECYCLE_STATUSES = [
  'proposed',
  'planned',
  'accepted',
  'active',
  'on-hold',
  'completed',
  'cancelled',
] as const;
export type GoalLifecycleStatus = (typeof GOAL_LIFECYCLE_STATUSES)[number];

/** FHIR R4 Goal.achievementStatus codes (goal-achievement value set). */
export const GOAL_ACHIEVEMENT_STATUSES = [
  'in-progress',
  'improving',
  'worsening',
  'no-change',
  'achieved',
  'sustaining',
  'not-achieved',
  'no-progress',
  'not-attainable',
] as const;
export type GoalAchievementStatus = (typeof GOAL_ACHIEVEMENT_STATUSES)[number];

export const GOAL_PRIORITIES = ['high', 'medium', 'low'] as const;
export type GoalPriority = (typeof GOAL_PRIORITIES)[number];

export const ACTION_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const NOTE_KINDS = ['note', 'decision'] as const;
export type NoteKind = (typeof NOTE_KINDS)[number];

/** Who carries out an action: a named person, or an organisation (a service, an office). */
export type Responsible = { kind: 'person'; id: string } | { kind: 'organisation'; id: string };

export interface GoalEvaluation {
  id: string;
  date: string;
  text: string;
  achievementStatus: GoalAchievementStatus;
  authorId: string;
  recordedAt: string;
}

export interface Goal {
  id: string;
  /** In the patient's own words. */
  description: string;
  priority: GoalPriority;
  targetDate: string | null;
  lifecycleStatus: GoalLifecycleStatus;
  achievementStatus: GoalAchievementStatus | null;
  evaluations: GoalEvaluation[];
}

export interface CarePlanAction {
  id: string;
  description: string;
  responsible: Responsible;
  status: ActionStatus;
  /** The goal this action serves. */
  goalId: string | null;
  dueDate: string | null;
  createdAt: string;
}

/** A note or a decision, usually written during a meeting. */
export interface PlanNote {
  id: string;
  kind: NoteKind;
  text: string;
  meetingId: string | null;
  authorId: string;
  recordedAt: string;
}

export interface CarePlan {
  id: string;
  patientId: string;
  version: number;
  updatedAt: string;
  status: PlanStatus;
  /** Flagged as the statutory individual plan, which has parts it must hold before it is active. */
  isIndividualPlan: boolean;
  periodStart: string | null;
  periodEnd: string | null;
  nextReview: string | null;
  sections: Record<PlanSection, string>;
  goals: Goal[];
  actions: CarePlanAction[];
  notes: PlanNote[];
  /**
   * The plan version in which each field last changed, by field path (`status`,
   * `sections.whatMatters`, `goals.<id>.priority`, ...). A change based on an older version of a
   * field that has changed since is refused instead of overwriting it.
   */
  changed: Record<string, number>;
}

/**
 * Characters that show nothing on their own: spaces, format characters (zero-width, soft hyphen),
 * combining marks, and the blank-looking letters of some scripts (Hangul fillers, the blank
 * Braille pattern). Text made only of them would look empty.
 */
const INVISIBLE = /[\s\p{Cf}\p{M}\u115f\u1160\u2800\u3164\uffa0]/gu;

// Control characters and bidirectional overrides could hide or reorder what others read.
const FORBIDDEN_CHARACTERS =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

// Half of a UTF-16 surrogate pair on its own is not a character; no database stores it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether text shows anything at all. */
export function hasVisibleText(s: string): boolean {
  return s.replace(INVISIBLE, '').length > 0;
}

const plainText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((s) => !FORBIDDEN_CHARACTERS.test(s), 'control characters')
    .refine((s) => !LONE_SURROGATE.test(s), 'broken characters');

/** Text that must say something: not empty, not only invisible characters. */
const text = (max: number) => plainText(max).refine(hasVisibleText, 'no visible text');

/** A calendar date a care plan can sensibly hold. */
export const planDateSchema = z.iso
  .date()
  .refine((d) => d >= '1900-01-01' && d <= '2199-12-31', 'date out of range');

const itemId = z.string().min(1).max(64);

export const responsibleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('person'), id: itemId }),
  z.object({ kind: z.literal('organisation'), id: itemId }),
]);

const goalChanges = z
  .object({
    description: text(500),
    priority: z.enum(GOAL_PRIORITIES),
    targetDate: planDateSchema.nullable(),
    lifecycleStatus: z.enum(GOAL_LIFECYCLE_STATUSES),
    achievementStatus: z.enum(GOAL_ACHIEVEMENT_STATUSES).nullable(),
  })
  .partial()
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'nothing to change');

const actionChanges = z
  .object({
    description: text(500),
    responsible: responsibleSchema,
    goalId: itemId.nullable(),
    dueDate: planDateSchema.nullable(),
  })
  .partial()
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'nothing to change');

export const planOperationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('plan.setStatus'), status: z.enum(PLAN_STATUSES) }),
  z.object({ type: z.literal('plan.setIndividualPlan'), isIndividualPlan: z.boolean() }),
  z
    .object({
      type: z.literal('plan.setDates'),
      periodStart: planDateSchema.nullable().optional(),
      periodEnd: planDateSchema.nullable().optional(),
      nextReview: planDateSchema.nullable().optional(),
    })
    .refine(
      (o) => o.periodStart !== undefined || o.periodEnd !== undefined || o.nextReview !== undefined,
      'nothing to change',
    ),
  z.object({
    type: z.literal('section.set'),
    section: z.enum(PLAN_SECTIONS),
    // May be empty: clearing a section is a change like any other.
    text: plainText(4000),
  }),
  z.object({
    type: z.literal('goal.add'),
    goalId: z.uuid(),
    description: text(500),
    priority: z.enum(GOAL_PRIORITIES).default('medium'),
    targetDate: planDateSchema.nullable().default(null),
  }),
  z.object({ type: z.literal('goal.update'), goalId: itemId, changes: goalChanges }),
  z.object({
    type: z.literal('goal.evaluate'),
    evaluationId: z.uuid(),
    goalId: itemId,
    date: planDateSchema,
    text: text(2000),
    achievementStatus: z.enum(GOAL_ACHIEVEMENT_STATUSES),
  }),
  z.object({
    type: z.literal('action.add'),
    actionId: z.uuid(),
    description: text(500),
    responsible: responsibleSchema,
    goalId: itemId.nullable().default(null),
    dueDate: planDateSchema.nullable().default(null),
  }),
  z.object({ type: z.literal('action.update'), actionId: itemId, changes: actionChanges }),
  z.object({
    type: z.literal('action.setStatus'),
    actionId: itemId,
    status: z.enum(ACTION_STATUSES),
  }),
  z.object({
    type: z.literal('note.add'),
    noteId: z.uuid(),
    kind: z.enum(NOTE_KINDS),
    text: text(4000),
    meetingId: itemId.nullable().default(null),
  }),
]);
export type PlanOperation = z.infer<typeof planOperationSchema>;
export type PlanOperationInput = z.input<typeof planOperationSchema>;
export type PlanOperationType = PlanOperation['type'];

export const applyPlanOperationSchema = z.object({
  planId: itemId,
  /** The plan version the author saw when making the change. */
  baseVersion: z.number().int().nonnegative(),
  /** Chosen by the client; re-sending the same key applies the operation at most once. */
  idempotencyKey: z.uuid(),
  operation: planOperationSchema,
});
export type ApplyPlanOperation = z.infer<typeof applyPlanOperationSchema>;

export interface PlanOperationApplied {
  planId: string;
  /** The plan's version after this operation. */
  version: number;
  operation: PlanOperation;
  authorId: string;
  appliedAt: string;
}

/** One entry of a plan's history: who changed what, and when. Names are resolved by the server. */
export interface PlanHistoryEntry extends PlanOperationApplied {
  authorName: string;
  authorRole: string | null;
}

/**
 * The nine parts the regulation on individual plans requires (forskrift om habilitering,
 * rehabilitering, individuell plan og koordinator, § 19), in its order.
 */
export const INDIVIDUAL_PLAN_PARTS = [
  'goalsResourcesAndNeeds',
  'participants',
  'coordinator',
  'contributions',
  'measures',
  'implementation',
  'periodAndReview',
  'consent',
  'cooperation',
] as const;
export type IndividualPlanPart = (typeof INDIVIDUAL_PLAN_PARTS)[number];

/** Facts about a plan that live outside it: the care team and the patient's consents. */
export interface PlanFacts {
  hasCoordinator: boolean;
  /** The patient has consented to the individual plan and to sharing it. */
  hasPlanConsent: boolean;
}

/** Who may see which plan: the reply to opening one also says what the reader may do. */
export interface PlanAccess {
  canEdit: boolean;
  /** Only "what matters to you" and notes: the patient writes in their own words. */
  canEditOwnWords: boolean;
  canRecordConsent: boolean;
  canSeeAccessLog: boolean;
}

export interface OpenedPlan {
  plan: CarePlan;
  access: PlanAccess;
  /** The names behind the ids in the plan: authors, responsible persons and organisations. */
  directory: PlanDirectory;
  missingParts: IndividualPlanPart[];
}

export interface PlanDirectory {
  persons: Record<string, { name: string; role: string | null; organisation: string | null }>;
  organisations: Record<string, { name: string }>;
}

import { z } from 'zod';

import { AppError } from '../errors.ts';
import type {
  ActionStatus,
  GoalAchievementStatus,
  GoalLifecycleStatus,
  GoalPriority,
  NoteKind,
  PlanSection,
  PlanStatus,
} from '../protocol/index.ts';
import {
  GOAL_ACHIEVEMENT_STATUSES,
  GOAL_LIFECYCLE_STATUSES,
  NOTE_KINDS,
  PLAN_SECTIONS,
} from '../protocol/index.ts';
import {
  CARE_PLAN_STATUS,
  EXTENSION,
  GOAL_PRIORITY,
  IDENTIFIER,
  INDIVIDUAL_PLAN_CATEGORY,
  SYSTEM,
  TASK_STATUS,
  fromFhirCode,
} from './codes.ts';
import { isFhirId } from './references.ts';

/*
 * Reads a plan out of a FHIR Bundle such as `$everything` gives: its one CarePlan, the Goals and
 * Tasks that plan refers to, and the Patient it is for. Other entries (Consent, AuditEvent, ...)
 * are never imported. Everything Teamrom cannot hold is refused with `invalid_request` naming where
 * it is, before anything is changed.
 */

/** Who the imported plan is for: our patient id, and the identity number when the bundle has it. */
export interface ImportedSubject {
  id: string | null;
  identifier: { system: string; value: string } | null;
}

/** Whoever carries out an action; `patient` is the patient the plan is for. */
export type ImportedResponsible =
  { kind: 'person'; id: string } | { kind: 'organisation'; id: string } | { kind: 'patient' };

export interface ImportedGoal {
  id: string;
  description: string;
  priority: GoalPriority;
  targetDate: string | null;
  lifecycleStatus: GoalLifecycleStatus;
  achievementStatus: GoalAchievementStatus | null;
  evaluations: {
    id: string;
    date: string;
    text: string;
    achievementStatus: GoalAchievementStatus;
  }[];
}

export interface ImportedAction {
  id: string;
  description: string;
  responsible: ImportedResponsible;
  status: ActionStatus;
  goalId: string | null;
  dueDate: string | null;
}

export interface ImportedNote {
  id: string;
  kind: NoteKind;
  text: string;
  meetingId: string | null;
}

/** The plan as the bundle has it, in our terms. Texts are trimmed, as the plan keeps them. */
export interface ImportedPlan {
  subject: ImportedSubject;
  status: PlanStatus;
  isIndividualPlan: boolean;
  periodStart: string | null;
  periodEnd: string | null;
  nextReview: string | null;
  sections: Record<PlanSection, string>;
  goals: ImportedGoal[];
  actions: ImportedAction[];
  notes: ImportedNote[];
}

const reference = z.looseObject({
  reference: z.string().optional(),
  identifier: z
    .looseObject({ system: z.string().optional(), value: z.string().optional() })
    .optional(),
});
const coding = z.looseObject({ system: z.string().optional(), code: z.string().optional() });
const codeableConcept = z.looseObject({
  coding: z.array(coding).optional(),
  text: z.string().optional(),
});

const id = z.string().refine(isFhirId, 'not a FHIR id');

/** An extension inside one of ours: its value is read, anything nested deeper is not. */
const subExtension = z.looseObject({
  url: z.string(),
  valueString: z.string().optional(),
  valueCode: z.string().optional(),
  valueDate: z.string().optional(),
  valueCoding: coding.optional(),
});

// Two levels are all our extensions have; not recursing further keeps hostile nesting harmless.
const extension = subExtension.extend({ extension: z.array(subExtension).optional() });

type ExtensionInput = z.infer<typeof extension>;

const annotation = z.looseObject({
  id: z.string().max(64).optional(),
  extension: z.array(extension).optional(),
  text: z.string(),
});
const resource = z.looseObject({ resourceType: z.string(), id: z.string().optional() });
const bundleSchema = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string(),
  entry: z
    .array(z.looseObject({ fullUrl: z.string().optional(), resource: resource.optional() }))
    .max(20_000)
    .optional(),
});
const carePlanSchema = z.looseObject({
  resourceType: z.literal('CarePlan'),
  status: z.string(),
  intent: z.string(),
  subject: reference,
  category: z.array(codeableConcept).optional(),
  period: z.looseObject({ start: z.string().optional(), end: z.string().optional() }).optional(),
  extension: z.array(extension).optional(),
  goal: z.array(reference).optional(),
  activity: z.array(z.looseObject({ reference: reference.optional() })).optional(),
  note: z.array(annotation).optional(),
});
const goalSchema = z.looseObject({
  resourceType: z.literal('Goal'),
  id,
  lifecycleStatus: z.string(),
  achievementStatus: codeableConcept.optional(),
  priority: codeableConcept.optional(),
  description: codeableConcept,
  target: z.array(z.looseObject({ dueDate: z.string().optional() })).optional(),
  note: z.array(annotation).optional(),
});
const taskSchema = z.looseObject({
  resourceType: z.literal('Task'),
  id,
  status: z.string(),
  description: z.string().optional(),
  owner: reference.optional(),
  reasonReference: reference.optional(),
  restriction: z
    .looseObject({
      period: z.looseObject({ end: z.string().optional() }).optional(),
    })
    .optional(),
});
const patientSchema = z.looseObject({
  resourceType: z.literal('Patient'),
  id: z.string().optional(),
  identifier: z
    .array(z.looseObject({ system: z.string().optional(), value: z.string().optional() }))
    .optional(),
});

/** `Goal/<id>`, for messages; an id that is no FHIR id is not repeated back. */
function label(resource: { resourceType: string; id?: string }): string {
  return `${resource.resourceType}/${resource.id !== undefined && isFhirId(resource.id) ? resource.id : '?'}`;
}

function invalid(message: string, expression: string): AppError {
  return new AppError('invalid_request', message, { expression: [expression] });
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);

  if (result.success) return result.data;

  const issue = result.error.issues[0]!;
  const path = [where, ...issue.path.map(String)].join('.');

  throw invalid(`${path}: ${issue.message}`, path);
}

/** A date or dateTime as the day it falls on, which is all a plan keeps. */
function toDay(value: string | undefined): string | null {
  if (value === undefined) return null;

  return /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) ? value.slice(0, 10) : value;
}

/** The entries of a bundle, found by full URL or by `Type/id`. */
class BundleIndex {
  readonly #byUrl = new Map<string, z.infer<typeof resource>>();
  readonly #byTypeAndId = new Map<string, z.infer<typeof resource>>();
  readonly resources: z.infer<typeof resource>[] = [];

  constructor(bundle: z.infer<typeof bundleSchema>) {
    for (const entry of bundle.entry ?? []) {
      if (!entry.resource) continue;

      this.resources.push(entry.resource);
      if (entry.fullUrl) this.#byUrl.set(entry.fullUrl, entry.resource);
      if (entry.resource.id) {
        this.#byTypeAndId.set(
          `${entry.resource.resourceType}/${entry.resource.id}`,
          entry.resource,
        );
      }
    }
  }

  /** The entry a reference points to, if the bundle holds it. */
  resolve(ref: string | undefined): z.infer<typeof resource> | undefined {
    if (!ref) return undefined;

    const key = typeAndId(ref);

    return (
      this.#byUrl.get(ref) ?? (key ? this.#byTypeAndId.get(`${key.type}/${key.id}`) : undefined)
    );
  }
}

/** `Goal/abc`, or an absolute URL ending in it (with or without a version), as type and id. */
export function typeAndId(ref: string): { type: string; id: string } | null {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);

  return match ? { type: match[1]!, id: match[2]! } : null;
}

function codeFrom(
  concept: z.infer<typeof codeableConcept> | undefined,
  system: string,
): string | undefined {
  return concept?.coding?.find((c) => c.system === system)?.code;
}

function nested(ext: ExtensionInput, url: string) {
  return ext.extension?.find((e) => e.url === url);
}

/** Reads the plan out of an imported Bundle; throws `invalid_request` for what we cannot take. */
export function readImportBundle(input: unknown): ImportedPlan {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid('the body must be a FHIR Bundle', 'Bundle');
  }

  const bundle = parse(bundleSchema, input, 'Bundle');
  const index = new BundleIndex(bundle);
  const plans = index.resources.filter((r) => r.resourceType === 'CarePlan');

  if (plans.length !== 1) {
    throw invalid(`the bundle must hold one CarePlan; it holds ${plans.length}`, 'Bundle.entry');
  }

  const plan = parse(carePlanSchema, plans[0], 'CarePlan');
  const status = fromFhirCode(CARE_PLAN_STATUS, plan.status);

  if (!status) {
    throw invalid('a Teamrom plan is draft, active or completed', 'CarePlan.status');
  }
  if (plan.intent !== 'plan') throw invalid('CarePlan.intent must be plan', 'CarePlan.intent');

  return {
    subject: readSubject(index, plan.subject.reference),
    status,
    isIndividualPlan: (plan.category ?? []).some(
      (c) => codeFrom(c, INDIVIDUAL_PLAN_CATEGORY.system) === INDIVIDUAL_PLAN_CATEGORY.code,
    ),
    periodStart: toDay(plan.period?.start),
    periodEnd: toDay(plan.period?.end),
    nextReview: toDay(plan.extension?.find((e) => e.url === EXTENSION.nextReview)?.valueDate),
    sections: readSections(plan.extension ?? []),
    goals: (plan.goal ?? []).map((ref, i) => {
      const where = `CarePlan.goal[${i}]`;
      const target = index.resolve(ref.reference);

      if (target?.resourceType !== 'Goal') {
        throw invalid(`${where} refers to no Goal in the bundle`, where);
      }

      return readGoal(parse(goalSchema, target, label(target)));
    }),
    actions: (plan.activity ?? []).map((activity, i) => {
      const where = `CarePlan.activity[${i}].reference`;
      const target = index.resolve(activity.reference?.reference);

      if (target?.resourceType !== 'Task') {
        throw invalid(
          `${where}: Teamrom takes activities as references to Tasks in the bundle`,
          where,
        );
      }

      return readTask(parse(taskSchema, target, label(target)));
    }),
    notes: (plan.note ?? []).map((note, i) => readNote(note, `CarePlan.note[${i}]`)),
  };
}

function readSubject(index: BundleIndex, ref: string | undefined): ImportedSubject {
  const entry = index.resolve(ref);
  const key = ref ? typeAndId(ref) : null;

  if (entry ? entry.resourceType !== 'Patient' : key?.type !== 'Patient') {
    throw invalid('CarePlan.subject must refer to a Patient', 'CarePlan.subject');
  }

  const patient = entry ? parse(patientSchema, entry, 'Patient') : null;
  const identifier = patient?.identifier?.find(
    (i) => (i.system === IDENTIFIER.fnr || i.system === IDENTIFIER.dnr) && i.value,
  );
  const id = patient?.id ?? key?.id ?? null;

  if (!identifier && !id) {
    throw invalid(
      'CarePlan.subject: the Patient needs an id or a fødselsnummer or D-nummer',
      'CarePlan.subject',
    );
  }

  return {
    id,
    identifier: identifier ? { system: identifier.system!, value: identifier.value! } : null,
  };
}

function readSections(extensions: ExtensionInput[]): Record<PlanSection, string> {
  const sections = Object.fromEntries(PLAN_SECTIONS.map((s) => [s, ''])) as Record<
    PlanSection,
    string
  >;
  const seen = new Set<string>();

  extensions
    .filter((e) => e.url === EXTENSION.section)
    .forEach((ext, i) => {
      const where = `CarePlan.extension(careplan-section)[${i}]`;
      const part = nested(ext, 'section');
      const code = part?.valueCoding?.code ?? part?.valueCode;
      const text = nested(ext, 'text')?.valueString;

      if (!PLAN_SECTIONS.includes(code as PlanSection)) {
        throw invalid(`${where}: no section of a Teamrom plan has this code`, where);
      }
      if (seen.has(code!)) throw invalid(`${where}: the section appears twice`, where);
      if (text === undefined) throw invalid(`${where}: the section has no text`, where);

      seen.add(code!);
      sections[code as PlanSection] = text.trim();
    });

  return sections;
}

function readGoal(goal: z.infer<typeof goalSchema>): ImportedGoal {
  const where = `Goal/${goal.id}`;
  const lifecycleStatus = GOAL_LIFECYCLE_STATUSES.find((s) => s === goal.lifecycleStatus);
  const priorityCode = codeFrom(goal.priority, SYSTEM.goalPriority);
  const priority =
    priorityCode === undefined ? 'medium' : fromFhirCode(GOAL_PRIORITY, priorityCode);
  const achievementCode = codeFrom(goal.achievementStatus, SYSTEM.goalAchievement);
  const achievementStatus = achievement(achievementCode, `${where}.achievementStatus`);

  if (!lifecycleStatus) {
    throw invalid(
      `${where}: Teamrom does not keep goals in this lifecycle status`,
      `${where}.lifecycleStatus`,
    );
  }
  if (!priority) throw invalid(`${where}: unknown goal priority`, `${where}.priority`);
  if (goal.description.text === undefined) {
    throw invalid(`${where}: the goal needs its description as text`, `${where}.description`);
  }

  return {
    id: goal.id,
    description: goal.description.text.trim(),
    priority,
    targetDate: toDay(goal.target?.find((t) => t.dueDate !== undefined)?.dueDate),
    lifecycleStatus,
    achievementStatus,
    // Notes without our evaluation extensions are remarks, not evaluations, and are not kept.
    evaluations: (goal.note ?? [])
      .map((note, i) => ({ note, where: `${where}.note[${i}]` }))
      .filter(({ note }) => note.extension?.some((e) => e.url === EXTENSION.evaluationDate))
      .map(({ note, where: at }) => {
        const date = note.extension?.find((e) => e.url === EXTENSION.evaluationDate)?.valueDate;
        const judged = note.extension?.find((e) => e.url === EXTENSION.evaluationAchievement);

        if (!note.id) throw invalid(`${at}: an evaluation needs an id`, at);

        return {
          id: note.id,
          date: toDay(date) ?? '',
          text: note.text.trim(),
          achievementStatus:
            achievement(judged?.valueCoding?.code, `${at}.extension`) ??
            failWith(invalid(`${at}: an evaluation needs its achievement`, at)),
        };
      }),
  };
}

function achievement(code: string | undefined, where: string): GoalAchievementStatus | null {
  if (code === undefined) return null;

  const status = GOAL_ACHIEVEMENT_STATUSES.find((s) => s === code);

  if (!status) throw invalid(`${where}: not a goal-achievement code`, where);

  return status;
}

function failWith(error: Error): never {
  throw error;
}

function readTask(task: z.infer<typeof taskSchema>): ImportedAction {
  const where = `Task/${task.id}`;
  const status = fromFhirCode(TASK_STATUS, task.status);
  const goal = task.reasonReference?.reference ? typeAndId(task.reasonReference.reference) : null;

  if (!status) {
    throw invalid(
      `${where}: Teamrom keeps tasks that are requested, in-progress, completed or cancelled`,
      `${where}.status`,
    );
  }
  if (task.description === undefined) {
    throw invalid(`${where}: the task needs a description`, `${where}.description`);
  }
  if (task.reasonReference && goal?.type !== 'Goal') {
    throw invalid(`${where}: reasonReference must refer to a Goal`, `${where}.reasonReference`);
  }

  return {
    id: task.id,
    description: task.description.trim(),
    responsible: readOwner(task.owner, `${where}.owner`),
    status,
    goalId: goal?.id ?? null,
    dueDate: toDay(task.restriction?.period?.end),
  };
}

function readOwner(
  owner: z.infer<typeof reference> | undefined,
  where: string,
): ImportedResponsible {
  const key = (owner?.reference ? typeAndId(owner.reference) : null) ?? { type: '', id: '' };

  switch (key.type) {
    case 'Practitioner':
    case 'RelatedPerson':
      return { kind: 'person', id: key.id };
    case 'Organization':
      return { kind: 'organisation', id: key.id };
    case 'Patient':
      return { kind: 'patient' };
    default:
      if (owner?.identifier?.system === IDENTIFIER.teamromPerson && owner.identifier.value) {
        return { kind: 'person', id: owner.identifier.value };
      }
      throw invalid(
        `${where}: the task needs an owner: a Practitioner, RelatedPerson, Organization or the Patient`,
        where,
      );
  }
}

function readNote(note: z.infer<typeof annotation>, where: string): ImportedNote {
  const kind =
    note.extension?.find((e) => e.url === EXTENSION.noteKind)?.valueCoding?.code ?? 'note';
  const meetingId = note.extension?.find((e) => e.url === EXTENSION.noteMeeting)?.valueString;

  if (!note.id) throw invalid(`${where}: a note needs an id`, where);
  if (!NOTE_KINDS.includes(kind as NoteKind)) {
    throw invalid(`${where}: a note is a note or a decision`, where);
  }

  return {
    id: note.id,
    kind: kind as NoteKind,
    text: note.text.trim(),
    meetingId: meetingId ?? null,
  };
}

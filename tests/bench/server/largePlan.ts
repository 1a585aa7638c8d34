/**
 * A large care plan for an invented second patient, grown the way a real one grows: every goal,
 * action and later edit is an operation applied through `CarePlanService.apply`, so its history,
 * snapshots and audit trail are the service's own. The demo patient's small plan stays as it is,
 * as the baseline to compare with.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { CarePlanService } from '../../../signaling/src/careplan/CarePlanService.ts';
import type { Database } from '../../../signaling/src/db/index.ts';
import { OID_FNR } from '../../../signaling/src/demo/seed.ts';
import { firstSyntheticFodselsnummer } from '../../../signaling/src/demo/syntheticIds.ts';
import type {
  ActionStatus,
  GoalAchievementStatus,
  PlanOperationInput,
  Responsible,
} from '../../../signaling/src/protocol/index.ts';
import {
  GOAL_PRIORITIES,
  PLAN_SECTIONS,
  applyPlanOperationSchema,
} from '../../../signaling/src/protocol/index.ts';
import type { BuiltPlan, LargePlanSize } from './commands.ts';

export const BENCH_PATIENT_ID = 'patient-bench';

/** The demo's staff, each from an organisation that may read this patient's plan. */
const AUTHORS = ['person-ola', 'person-kari', 'person-ingrid', 'person-per'];

const RESPONSIBLE: Responsible[] = [
  { kind: 'organisation', id: 'org-municipality' },
  { kind: 'person', id: 'person-ola' },
  { kind: 'organisation', id: 'org-hospital' },
  { kind: 'person', id: 'person-per' },
  { kind: 'organisation', id: 'org-gp' },
  { kind: 'person', id: 'person-ingrid' },
];

const ACTION_STATUSES: ActionStatus[] = ['in_progress', 'done', 'open'];
const ACHIEVEMENT: GoalAchievementStatus[] = ['in-progress', 'improving', 'no-change', 'worsening'];
const EDITS = [
  'action.setStatus',
  'goal.evaluate',
  'section.set',
  'action.update',
  'goal.update',
  'note.add',
] as const;

/**
 * An invented patient, 'Testpasient Benk', in the care of the demo's staff and of the benchmark's
 * synthetic nurses, with consent to share the plan with the municipality and the GP office.
 */
export async function seedBenchPatient(db: Database, syntheticPeople: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `insert into persons (id, kind, display_name, given_name, family_name)
       values ('bench-patient', 'patient', 'Testpasient Benk', 'Testpasient', 'Benk')`,
    );
    await tx.query(
      `insert into patients (id, person_id, identifier_system, identifier_value, birth_date,
                             gp_person_id, treating_organisation_id)
       values ($1, 'bench-patient', $2, $3, '1950-06-01', 'person-per', 'org-hospital')`,
      [BENCH_PATIENT_ID, OID_FNR, firstSyntheticFodselsnummer('1950-06-01')],
    );
    await tx.query(
      `insert into care_team_members (patient_id, person_id, role, organisation_id) values
        ($1, 'person-kari', 'coordinator', 'org-coordination'),
        ($1, 'person-ola', 'physician', 'org-hospital'),
        ($1, 'person-ingrid', 'nurse', 'org-municipality'),
        ($1, 'person-per', 'gp', 'org-gp')`,
      [BENCH_PATIENT_ID],
    );
    for (const id of syntheticPeople) {
      await tx.query(
        `insert into care_team_members (patient_id, person_id, role) values ($1, $2, 'nurse')`,
        [BENCH_PATIENT_ID, id],
      );
    }
    await tx.query(
      `insert into consents (id, patient_id, scope, grantee_organisation_id, given_on, recorded_by)
       values ('consent-bench-municipality', $1, 'share_care_plan', 'org-fjellvik', current_date,
               'person-kari'),
              ('consent-bench-gp', $1, 'share_care_plan', 'org-gp', current_date, 'person-kari')`,
      [BENCH_PATIENT_ID],
    );
  });
}

/**
 * Creates the patient's plan and applies `size.history` operations to it: in each of `size.goals`
 * blocks, one goal, its share of the actions, then edits of what the plan holds so far (statuses,
 * evaluations, sections, updates and notes, in turn). Seeded, so every run builds the same plan.
 */
export async function buildLargePlan(
  db: Database,
  service: CarePlanService,
  size: LargePlanSize,
): Promise<BuiltPlan> {
  const edits = size.history - size.goals - size.actions;

  if (size.goals < 1 || edits < 0) {
    throw new RangeError('a large plan needs a goal, and no more goals and actions than history');
  }

  const started = performance.now();
  const random = seeded(20261204);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const planId = await service.create({ sub: 'person-kari' }, BENCH_PATIENT_ID);
  const goalIds: string[] = [];
  const actionIds: string[] = [];
  const applyMs: number[] = [];
  let version = 0;

  const apply = async (operation: PlanOperationInput): Promise<void> => {
    // Parsed as the gateway parses a client's request, defaults and all.
    const request = applyPlanOperationSchema.parse({
      planId,
      baseVersion: version,
      idempotencyKey: randomUUID(),
      operation,
    });
    const before = performance.now();
    const { applied } = await service.apply({ sub: AUTHORS[version % AUTHORS.length]! }, request);

    applyMs.push(performance.now() - before);
    version = applied.version;
  };

  const edit = async (n: number): Promise<void> => {
    const kind = EDITS[n % EDITS.length]!;

    switch (kind) {
      case 'action.setStatus':
        return apply({ type: kind, actionId: pick(actionIds), status: pick(ACTION_STATUSES) });
      case 'goal.evaluate':
        return apply({
          type: kind,
          evaluationId: randomUUID(),
          goalId: pick(goalIds),
          date: day(n),
          text: sentence(random, 18),
          achievementStatus: pick(ACHIEVEMENT),
        });
      case 'section.set':
        return apply({
          type: kind,
          section: PLAN_SECTIONS[n % PLAN_SECTIONS.length]!,
          text: sentence(random, 50),
        });
      case 'action.update':
        return apply({
          type: kind,
          actionId: pick(actionIds),
          changes:
            n % 2 === 0
              ? { dueDate: day(n), responsible: pick(RESPONSIBLE) }
              : { description: sentence(random, 12) },
        });
      case 'goal.update':
        return apply({
          type: kind,
          goalId: pick(goalIds),
          changes: n % 2 === 0 ? { priority: pick(GOAL_PRIORITIES) } : { targetDate: day(n) },
        });
      case 'note.add':
        return apply({
          type: kind,
          noteId: randomUUID(),
          kind: n % 3 === 0 ? 'decision' : 'note',
          text: sentence(random, 30),
        });
      default: {
        const unknown: never = kind;

        throw new Error(`no edit ${String(unknown)}`);
      }
    }
  };

  let editsDone = 0;

  for (let block = 0; block < size.goals; block++) {
    const share = (total: number) =>
      Math.floor(((block + 1) * total) / size.goals) - Math.floor((block * total) / size.goals);
    const goalId = randomUUID();

    await apply({
      type: 'goal.add',
      goalId,
      description: sentence(random, 10),
      priority: pick(GOAL_PRIORITIES),
      targetDate: day(block * 7),
    });
    goalIds.push(goalId);

    for (let i = share(size.actions); i > 0; i--) {
      const actionId = randomUUID();

      await apply({
        type: 'action.add',
        actionId,
        description: sentence(random, 12),
        responsible: pick(RESPONSIBLE),
        goalId: pick(goalIds),
        dueDate: day(actionIds.length),
      });
      actionIds.push(actionId);
    }
    for (let i = share(edits); i > 0; i--) await edit(editsDone++);
  }

  const [counts] = await db.query<{ snapshots: number; audit: number }>(
    `select (select count(*)::int from plan_snapshots where plan_id = $1) as snapshots,
            (select count(*)::int from audit_events where patient_id = $2) as audit`,
    [planId, BENCH_PATIENT_ID],
  );

  return {
    planId,
    version,
    snapshots: counts!.snapshots,
    auditEvents: counts!.audit,
    buildMs: performance.now() - started,
    applyMs,
  };
}

/** A date in 2027, `n` days on, for due dates, target dates and evaluations. */
function day(n: number): string {
  return new Date(Date.UTC(2027, 0, 1 + (n % 365))).toISOString().slice(0, 10);
}

const WORDS = (
  'hjemme tur trapp kaffe naboen medisiner kveld morgen trygg pust hjelp datteren fastlegen ' +
  'hjemmesykepleien balanse trening postkassen søvn måltid vekt samtale plan avtale oppfølging ' +
  'uke dag sammen selv rolig bedre mindre mer klarer ønsker viktig'
).split(' ');

/** Invented Norwegian words, `count` of them, as long as what people write in a plan. */
function sentence(random: () => number, count: number): string {
  const words = Array.from({ length: count }, () => WORDS[Math.floor(random() * WORDS.length)]!);
  const text = words.join(' ');

  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

/** mulberry32: small, fast and good enough to pick synthetic content reproducibly. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;

  return () => {
    state = (state + 0x6d2b79f5) >>> 0;

    let t = state;

    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);

    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

import { randomUUID } from 'node:crypto';

import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { AuditLog } from '../audit/AuditLog.ts';
import type { Caller } from '../careplan/CarePlanService.ts';
import { CarePlanService } from '../careplan/CarePlanService.ts';
import { DEMO, seedDemo } from '../demo/seed.ts';
import type { ApplyPlanOperation } from '../protocol/index.ts';
import type { TestPostgres } from '../testing/postgres.ts';
import { startPostgres } from '../testing/postgres.ts';
import type { Database } from './index.ts';
import { openDatabase } from './index.ts';
import { listMigrations, migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

/*
 * The schema, its migrations and the care-plan service, run alike on both drivers: embedded
 * PGlite and a real PostgreSQL server, which alone runs transactions side by side.
 */

interface Driver {
  name: string;
  /** A fresh database, opened as Teamrom opens it: migrated to the latest version. */
  open(): Promise<Database>;
  /** A fresh database without any schema, not even schema_migrations. */
  openEmpty(): Promise<Database>;
}

const log = pino({ level: 'silent' });
const migrations = await listMigrations();
const latest = Math.max(...migrations.map((m) => m.version));

const KARI: Caller = { sub: 'person-kari' };
const INGRID: Caller = { sub: 'person-ingrid' };
const PER: Caller = { sub: 'person-per' };
const ASTRID: Caller = { sub: 'person-astrid' };

let server: TestPostgres;
const opened: Database[] = [];

const track = (db: Database) => {
  opened.push(db);

  return db;
};

const drivers: Driver[] = [
  {
    name: 'PGlite',
    open: async () => track(await openDatabase({ dataDir: null })),
    openEmpty: async () => track(await openPglite(undefined)),
  },
  {
    name: 'PostgreSQL',
    open: async () =>
      track(await openDatabase({ databaseUrl: await server.createDatabase(), dataDir: null })),
    openEmpty: async () => track(await openPostgres(await server.createDatabase())),
  },
];

beforeAll(async () => {
  server = await startPostgres();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

afterAll(async () => {
  await server?.stop();
});

describe.each(drivers)('$name', (driver) => {
  describe('migrations', () => {
    it('bring an empty database to the latest version, recording each file', async () => {
      const db = await driver.openEmpty();

      expect(await migrate(db)).toEqual(migrations.map((m) => m.version));
      expect(
        await db.query('select version, name from schema_migrations order by version'),
      ).toEqual(migrations.map(({ version, name }) => ({ version, name })));
    });

    it('apply nothing and change nothing when run a second time', async () => {
      const db = await driver.open();
      const before = await schemaOf(db);

      expect(await migrate(db)).toEqual([]);
      expect(await schemaOf(db)).toEqual(before);
    });

    it.each(migrations.filter((m) => m.version >= 3))(
      'keep every row written at version $version when migrating to the latest',
      async ({ version }) => {
        const db = await driver.openEmpty();

        expect(await migrate(db, version)).toEqual(
          migrations.filter((m) => m.version <= version).map((m) => m.version),
        );

        // NOTE: the seed and the service write what the latest schema expects. Once a migration
        // changes what they write, seed the older versions here with SQL of their own time.
        await writeDemoData(db);

        const before = await everyRow(db);

        for (const [table, rows] of before) {
          expect(
            rows.length,
            `${table} is empty; keeping its rows would prove nothing`,
          ).toBeGreaterThan(0);
        }

        expect(await migrate(db)).toEqual(
          migrations.filter((m) => m.version > version).map((m) => m.version),
        );

        const after = await everyRow(db);

        for (const [table, rows] of before) {
          // A later migration may add columns; every value that was there must still be.
          expect(after.get(table), table).toEqual(
            expect.arrayContaining(rows.map((row) => expect.objectContaining(row))),
          );
        }
        expect(await db.query('select max(version) as version from schema_migrations')).toEqual([
          { version: latest },
        ]);
      },
    );

    it('carry a plan written at version 2 into the plan document, losing nothing', async () => {
      const db = await driver.openEmpty();

      await migrate(db, 2);
      await writeVersion2Data(db);

      const before = await everyRow(db);

      await migrate(db);

      const after = await everyRow(db);
      const service = new CarePlanService(db, new AuditLog(db, log));
      const { plan } = await service.open(KARI, 'plan-v2');

      expect(plan).toMatchObject({
        id: 'plan-v2',
        patientId: 'patient-v2',
        version: 2,
        status: 'active',
        sections: expect.objectContaining({ whatMatters: 'Å klare meg selv hjemme' }),
      });
      expect(plan.goals).toEqual([
        {
          id: 'goal-v2',
          description: 'Gå tur hver dag',
          priority: 'high',
          targetDate: '2027-05-01',
          lifecycleStatus: 'active',
          achievementStatus: null,
          evaluations: [],
        },
      ]);
      expect(plan.actions.map(({ createdAt: _, ...a }) => a)).toEqual([
        {
          id: 'action-v2-a',
          description: 'Hjemmebesøk',
          responsible: { kind: 'organisation', id: 'org-v2-municipality' },
          status: 'done',
          goalId: 'goal-v2',
          dueDate: '2026-12-01',
        },
        {
          id: 'action-v2-b',
          description: 'Legemiddelgjennomgang',
          // No GP office in the team: the coordinator is named until someone reassigns it.
          responsible: { kind: 'person', id: 'person-kari' },
          status: 'open',
          goalId: null,
          dueDate: null,
        },
      ]);
      // The action changed in version 2 still refuses a change based on version 1.
      expect(plan.changed).toEqual({ 'actions.action-v2-a.status': 2 });
      expect(
        await db.query<{ r: unknown }>(
          "select operation -> 'responsible' as r from plan_operations where version = 1",
        ),
      ).toEqual([{ r: { kind: 'person', id: 'person-kari' } }]);
      for (const table of ['organisations', 'persons', 'patients', 'meetings', 'audit_events']) {
        expect(after.get(table), table).toEqual(
          expect.arrayContaining(before.get(table)!.map((row) => expect.objectContaining(row))),
        );
      }
      expect(after.has('goals') || after.has('plan_actions')).toBe(false);
    });
  });

  describe('the care-plan service', () => {
    let db: Database;
    let service: CarePlanService;

    beforeEach(async () => {
      db = await driver.open();
      await seedDemo(db);
      service = new CarePlanService(db, new AuditLog(db, log));
    });

    const audited = () =>
      db.query<{ actor_id: string; action: string; outcome: string }>(
        'select actor_id, action, outcome from audit_events order by id',
      );

    it('reads the demo plan for a member of the care team', async () => {
      const { plan, access } = await service.open(KARI, DEMO.planId);

      expect(access).toMatchObject({ canEdit: true, canSeeAccessLog: true });
      expect(plan).toMatchObject({ id: DEMO.planId, patientId: DEMO.patientId, version: 0 });
      expect(plan.goals.map((g) => g.id)).toEqual(['goal-walk', 'goal-breath', 'goal-social']);
      expect(plan.actions.map((a) => a.id).sort()).toEqual([
        'action-alarm',
        'action-copd',
        'action-meds',
        'action-physio',
      ]);
      expect(await audited()).toEqual([
        { actor_id: 'person-kari', action: 'careplan.read', outcome: 'success' },
      ]);
    });

    it('adds an action as the next version of the plan', async () => {
      const request = addAction(0, 'Ergoterapeut vurderer hjelpemidler i badet');
      const { applied, plan, replayed } = await service.apply(INGRID, request);

      expect(replayed).toBe(false);
      expect(applied).toMatchObject({ version: 1, authorId: 'person-ingrid' });
      expect(plan.version).toBe(1);
      expect(plan.actions.at(-1)).toEqual({
        id: request.operation.actionId,
        description: 'Ergoterapeut vurderer hjelpemidler i badet',
        responsible: { kind: 'organisation', id: 'org-municipality' },
        status: 'open',
        goalId: 'goal-walk',
        dueDate: '2027-02-01',
        createdAt: applied.appliedAt,
      });
    });

    it('sets the status of an action', async () => {
      const { plan } = await service.apply(PER, setStatus(0, 'action-meds', 'done'));

      expect(plan.version).toBe(1);
      expect(plan.actions.find((a) => a.id === 'action-meds')).toMatchObject({ status: 'done' });
      expect(plan.changed['actions.action-meds.status']).toBe(1);
    });

    it('answers a replayed idempotency key with the first result and changes nothing', async () => {
      const request = addAction(0);
      const first = await service.apply(INGRID, request);
      const again = await service.apply(INGRID, request);

      expect(again.replayed).toBe(true);
      expect(again.applied).toEqual(first.applied);
      expect(again.plan).toEqual(first.plan);
      expect(await count(db, 'plan_operations')).toBe(1);
    });

    it('refuses a stale change with plan_conflict and the current status', async () => {
      await service.apply(INGRID, setStatus(0, 'action-physio', 'done'));

      await expect(service.apply(PER, setStatus(0, 'action-physio', 'open'))).rejects.toMatchObject(
        {
          code: 'plan_conflict',
          details: { field: 'actions.action-physio.status', current: 'done', version: 1 },
        },
      );
      expect((await service.open(PER, DEMO.planId)).plan.version).toBe(1);
    });

    it('audits every attempt to write with its outcome', async () => {
      await service.apply(INGRID, setStatus(0, 'action-physio', 'done'));
      await expect(service.apply(PER, setStatus(0, 'action-physio', 'open'))).rejects.toThrow();
      await expect(service.apply(ASTRID, addAction(1))).rejects.toMatchObject({
        code: 'forbidden',
      });
      await expect(service.apply({ sub: 'person-unknown' }, addAction(1))).rejects.toMatchObject({
        code: 'forbidden',
      });

      expect(await audited()).toEqual([
        { actor_id: 'person-ingrid', action: 'careplan.write', outcome: 'success' },
        { actor_id: 'person-per', action: 'careplan.write', outcome: 'conflict' },
        { actor_id: 'person-astrid', action: 'careplan.write', outcome: 'denied' },
        { actor_id: 'person-unknown', action: 'careplan.write', outcome: 'denied' },
      ]);
    });

    it('keeps audit_events append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
      await service.open(KARI, DEMO.planId);

      await expect(db.query("update audit_events set outcome = 'denied'")).rejects.toThrow(
        'audit_events is append-only',
      );
      await expect(db.query('delete from audit_events')).rejects.toThrow(
        'audit_events is append-only',
      );
      await expect(db.query('truncate audit_events')).rejects.toThrow(
        'audit_events is append-only',
      );
      expect(await audited()).toEqual([
        { actor_id: 'person-kari', action: 'careplan.read', outcome: 'success' },
      ]);
    });

    it('gives 20 changes sent at once the versions 1 to 20, each exactly once', async () => {
      const staff = [KARI, INGRID, PER, { sub: 'person-ola' }];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          service.apply(staff[i % 4]!, addAction(0, `Tiltak ${i}`)),
        ),
      );
      const versions = results.map((r) => r.applied.version).sort((a, b) => a - b);
      const oneToTwenty = Array.from({ length: 20 }, (_, i) => i + 1);

      expect(versions).toEqual(oneToTwenty);
      expect(
        (
          await db.query<{ version: number }>(
            'select version from plan_operations where plan_id = $1 order by version',
            [DEMO.planId],
          )
        ).map((r) => r.version),
      ).toEqual(oneToTwenty);
      expect((await service.open(KARI, DEMO.planId)).plan.version).toBe(20);
    });

    it('records changes sent at once with times that follow their versions', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => service.apply(INGRID, addAction(0))),
      );
      const history = await db.query<{ version: number; applied_at: Date }>(
        'select version, applied_at from plan_operations where plan_id = $1 order by version',
        [DEMO.planId],
      );
      const times = history.map((op) => op.applied_at.getTime());

      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(results.find((r) => r.applied.version === 20)?.plan.updatedAt).toBe(
        history.at(-1)?.applied_at.toISOString(),
      );
    });

    it('applies one idempotency key sent 10 times at once exactly once', async () => {
      const request = addAction(0);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => service.apply(INGRID, request)),
      );

      expect(new Set(results.map((r) => r.applied.version))).toEqual(new Set([1]));
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(await count(db, 'plan_operations')).toBe(1);
      expect((await service.open(KARI, DEMO.planId)).plan.actions).toHaveLength(5);
    });

    it('keeps one coordinator per care team: a second open-ended one is refused', async () => {
      await expect(
        db.query(
          `insert into care_team_members (patient_id, person_id, role, organisation_id)
           values ($1, 'person-ola', 'coordinator', 'org-hospital')
           on conflict (patient_id, person_id) do update set role = 'coordinator'`,
          [DEMO.patientId],
        ),
      ).rejects.toThrow(/care_team_one_coordinator/);
      // Ending the current coordinator's period makes room for the next one.
      await db.transaction(async (tx) => {
        await tx.query(
          `update care_team_members set period_end = current_date
            where patient_id = $1 and role = 'coordinator'`,
          [DEMO.patientId],
        );
        await tx.query(
          `update care_team_members set role = 'coordinator'
            where patient_id = $1 and person_id = 'person-ola'`,
          [DEMO.patientId],
        );
      });
      expect(
        await db.query(
          `select person_id from care_team_members
            where patient_id = $1 and role = 'coordinator' and period_end is null`,
          [DEMO.patientId],
        ),
      ).toEqual([{ person_id: 'person-ola' }]);
    });

    it('gives dates to the care plan as ISO strings', async () => {
      const { plan } = await service.open(KARI, DEMO.planId);

      expect(plan.actions.find((a) => a.id === 'action-physio')?.dueDate).toBe('2026-12-15');
      expect(plan.goals.find((g) => g.id === 'goal-breath')?.targetDate).toBe('2027-01-15');
      expect(plan.goals.find((g) => g.id === 'goal-social')?.targetDate).toBeNull();
    });

    it('gives a DATE column to a plain query as an ISO string', async () => {
      expect(await db.query("select given_on from consents where id = 'consent-demo-gp'")).toEqual([
        { given_on: '2026-09-01' },
      ]);
      expect(
        await db.query('select birth_date from patients where id = $1', [DEMO.patientId]),
      ).toEqual([{ birth_date: '1942-03-14' }]);
    });
  });
});

describe('PostgreSQL shared by several Teamrom processes', () => {
  // Two servers creating schema_migrations on an empty database at the same moment used to
  // collide on pg_type's unique index; migrate() now takes an advisory lock first.
  it('applies each migration exactly once when two processes migrate one database at once', async () => {
    // The collision needs both to reach the catalog together, so give it several chances.
    for (let round = 0; round < 20; round++) {
      const url = await server.createDatabase();
      const opening = [
        openDatabase({ databaseUrl: url, dataDir: null }).then(track),
        openDatabase({ databaseUrl: url, dataDir: null }).then(track),
      ] as const;

      // Both are awaited, so that neither is still migrating when the server stops.
      await Promise.allSettled(opening);

      const [first, second] = await Promise.all(opening);

      expect(
        await first.query('select version, name from schema_migrations order by version'),
      ).toEqual(migrations.map(({ version, name }) => ({ version, name })));
      expect(await second.query('select count(*)::int as n from schema_migrations')).toEqual([
        { n: migrations.length },
      ]);
    }
  });
});

function addAction(baseVersion: number, description = 'Hjemmebesøk av ergoterapeut') {
  return {
    planId: DEMO.planId,
    baseVersion,
    idempotencyKey: randomUUID(),
    operation: {
      type: 'action.add',
      actionId: randomUUID(),
      description,
      responsible: { kind: 'organisation', id: 'org-municipality' },
      goalId: 'goal-walk',
      dueDate: '2027-02-01',
    },
  } satisfies ApplyPlanOperation;
}

function setStatus(
  baseVersion: number,
  actionId: string,
  status: 'open' | 'in_progress' | 'done' | 'cancelled',
): ApplyPlanOperation {
  return {
    planId: DEMO.planId,
    baseVersion,
    idempotencyKey: randomUUID(),
    operation: { type: 'action.setStatus', actionId, status },
  };
}

/** The demo, and a read, writes and a refusal on its plan, so that every table holds rows. */
async function writeDemoData(db: Database): Promise<void> {
  const service = new CarePlanService(db, new AuditLog(db, log));

  await seedDemo(db);
  await service.open(KARI, DEMO.planId);
  await service.apply(INGRID, addAction(0));
  await service.apply(PER, setStatus(1, 'action-meds', 'done'));
  await expect(service.apply(ASTRID, addAction(2))).rejects.toMatchObject({ code: 'forbidden' });

  // From migration 005 on: a stay in the demo meeting and a confirmation of introductions.
  const [record] = await db.query<{ present: boolean }>(
    `select to_regclass('meeting_attendance') is not null as present`,
  );

  if (record?.present) {
    await db.exec(`
      insert into meeting_attendance (peer_id, joined_at, meeting_id, person_id, role,
                                      organisation_id, left_at, leave_reason)
        values ('peer-kari', '2026-10-01T09:00:00Z', 'demo', 'person-kari', 'coordinator',
                'org-coordination', '2026-10-01T10:00:00Z', 'left');
      insert into meeting_introductions (meeting_id, confirmed_by, confirmed_by_role, person_ids)
        values ('demo', 'person-kari', 'coordinator', '["person-kari"]');
    `);
  }

  // From migration 004 on: a scheduled series with answers, a bound personal link, a worklist.
  const [scheduling] = await db.query<{ present: boolean }>(
    `select to_regclass('meeting_links') is not null as present`,
  );

  if (scheduling?.present) {
    await db.exec(`
      insert into meetings (id, patient_id, title, kind, purpose, starts_at, duration_minutes,
                            rrule, time_zone, status, sequence, ical_uid, created_by)
        values ('meeting-series', 'patient-demo', 'Oppfølging', 'scheduled', 'Oppfølging',
                '2027-03-22T09:00:00Z', 45, 'FREQ=WEEKLY;COUNT=3', 'Europe/Oslo', 'scheduled', 1,
                'meeting-series@teamrom', 'person-kari');
      insert into meeting_participants (meeting_id, person_id, role, required, response,
                                        responded_at, responded_by, language,
                                        interpreter_language)
        values ('meeting-series', 'person-astrid', 'patient', true, 'accepted',
                '2027-03-01T10:00:00Z', 'person-kari', 'nb', null),
               ('meeting-series', 'person-kari', 'coordinator', true, 'accepted',
                '2027-03-01T10:00:00Z', null, 'nb', null);
      insert into meeting_links (id, meeting_id, person_id, issued_by, device_key_hash, bound_at)
        values ('link-series-astrid', 'meeting-series', 'person-astrid', 'person-kari',
                repeat('0', 64), '2027-03-22T08:40:00Z');
      insert into worklist_candidates (id, organisation_id, external_ref, display_name, age,
                                       long_term_conditions, emergency_admissions_12m,
                                       bed_days_12m, municipality, source, recorded_by)
        values ('candidate-1', 'org-fjellvik', 'W-1', 'Test Kandidat', 84, 4, 2, 12, 'Fjellvik',
                'csv', 'person-kari');
      insert into worklist_thresholds (organisation_id, min_age, min_long_term_conditions,
                                       min_emergency_admissions, min_bed_days, min_criteria_met,
                                       municipalities, updated_by)
        values ('org-fjellvik', 80, 3, 2, 10, 2, '{Fjellvik}', 'person-kari');
    `);
  }
}

/** A patient, care team and plan as the schema of version 2 held them, written with its SQL. */
async function writeVersion2Data(db: Database): Promise<void> {
  await db.exec(`
    insert into organisations (id, name, kind, unit) values
      ('org-v2-hospital', 'Sykehuset V2', 'hospital', 'Geriatrisk avdeling'),
      ('org-v2-municipality', 'V2 kommune', 'municipality', 'Hjemmetjenesten'),
      ('org-v2-gp', 'V2 legesenter', 'gp_office', null);
    insert into persons (id, kind, display_name, organisation_id) values
      ('person-v2-patient', 'patient', 'Test Pasient', null),
      ('person-kari', 'practitioner', 'Test Koordinator', 'org-v2-hospital'),
      ('person-v2-nurse', 'practitioner', 'Test Sykepleier', 'org-v2-municipality');
    insert into patients (id, person_id, identifier_system, identifier_value, birth_date)
      values ('patient-v2', 'person-v2-patient', 'urn:oid:2.16.578.1.12.4.1.4.1', '01014200000',
              '1942-01-01');
    insert into care_team_members (patient_id, person_id, role) values
      ('patient-v2', 'person-kari', 'coordinator'),
      ('patient-v2', 'person-v2-nurse', 'nurse');
    insert into meetings (id, patient_id, title) values ('meeting-v2', 'patient-v2', 'Møte');
    insert into care_plans (id, patient_id, version, what_matters)
      values ('plan-v2', 'patient-v2', 2, 'Å klare meg selv hjemme');
    insert into goals (id, plan_id, description, priority, target_date, position)
      values ('goal-v2', 'plan-v2', 'Gå tur hver dag', 'high', '2027-05-01', 1);
    insert into plan_actions (id, plan_id, goal_id, description, responsible, status, due_date,
                              created_version, changed_version) values
      ('action-v2-a', 'plan-v2', 'goal-v2', 'Hjemmebesøk', 'municipality', 'done', '2026-12-01',
       0, 2),
      ('action-v2-b', 'plan-v2', null, 'Legemiddelgjennomgang', 'gp', 'open', null, 1, 1);
    insert into plan_operations (plan_id, version, idempotency_key, author_id, operation) values
      ('plan-v2', 1, '6f1c1b8e-8a38-4d3e-9d57-2f1f3c1d0a01', 'person-kari',
       '{"type":"action.add","actionId":"action-v2-b","description":"Legemiddelgjennomgang","responsible":"gp","goalId":null,"dueDate":null}'),
      ('plan-v2', 2, '6f1c1b8e-8a38-4d3e-9d57-2f1f3c1d0a02', 'person-v2-nurse',
       '{"type":"action.setStatus","actionId":"action-v2-a","status":"done"}');
    insert into audit_events (actor_id, actor_role, patient_id, action, outcome)
      values ('person-kari', 'coordinator', 'patient-v2', 'careplan.read', 'success');
  `);
}

async function count(db: Database, table: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`select count(*)::int as n from ${table}`);

  return row!.n;
}

/** Tables, columns, constraints, indexes, triggers and the migration record, as stored. */
async function schemaOf(db: Database) {
  return {
    columns: await db.query(
      `select table_name, column_name, data_type, is_nullable, column_default
         from information_schema.columns where table_schema = current_schema()
        order by table_name, column_name`,
    ),
    constraints: await db.query(
      `select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as def
         from pg_constraint where connamespace = current_schema()::regnamespace
        order by 1, 2`,
    ),
    indexes: await db.query(
      `select indexname, indexdef from pg_indexes where schemaname = current_schema() order by 1`,
    ),
    triggers: await db.query(
      `select tgrelid::regclass::text as table_name, tgname from pg_trigger
        where not tgisinternal order by 1, 2`,
    ),
    migrations: await db.query('select * from schema_migrations order by version'),
  };
}

/** Every row of every table, as JSON, keyed by table name. */
async function everyRow(db: Database): Promise<Map<string, Record<string, unknown>[]>> {
  const tables = await db.query<{ table_name: string }>(
    `select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'
      order by table_name`,
  );
  const rows = new Map<string, Record<string, unknown>[]>();

  for (const { table_name: table } of tables) {
    const result = await db.query<{ row: Record<string, unknown> }>(
      `select to_jsonb(t) as row from "${table}" t`,
    );

    rows.set(
      table,
      result.map((r) => r.row),
    );
  }

  return rows;
}

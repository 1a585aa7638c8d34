import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Database } from './Database.ts';

/** Any fixed number: the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 4_716_201;

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Files named `NNN_description.sql`, applied in order, each once, each in its own transaction. */
export async function listMigrations(): Promise<{ version: number; name: string; sql: string }[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();

  return Promise.all(
    files.map(async (name) => ({
      version: Number(name.slice(0, 3)),
      name,
      sql: await readFile(path.join(MIGRATIONS_DIR, name), 'utf8'),
    })),
  );
}

/** Applies the migrations the database lacks, up to `target` (default: all). */
export async function migrate(db: Database, target = Infinity): Promise<number[]> {
  // Two servers starting at once on an empty database would both try to create the table; the
  // advisory lock makes the second wait for the first.
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`);
  });

  const applied = new Set(
    (await db.query<{ version: number }>('select version from schema_migrations')).map(
      (r) => r.version,
    ),
  );
  const done: number[] = [];

  for (const migration of await listMigrations()) {
    if (migration.version > target || applied.has(migration.version)) continue;

    await db.transaction(async (tx) => {
      // Serialises concurrent starters against one server: the second waits, then skips.
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);

      const again = await tx.query('select 1 from schema_migrations where version = $1', [
        migration.version,
      ]);

      if (again.length > 0) return;

      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    });
  }

  return done;
}

/**
 * Splits a migration into statements at semicolons that end a line, keeping `$$`-quoted function
 * bodies whole.
 */
function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let inDollar = false;

  for (const line of sql.split('\n')) {
    if (/^\s*--/.test(line)) continue;

    current += line + '\n';
    if ((line.match(/\$\$/g) ?? []).length % 2 === 1) inDollar = !inDollar;
    if (!inDollar && /;\s*$/.test(line)) {
      statements.push(current.trim());
      current = '';
    }
  }
  if (current.trim()) statements.push(current.trim());

  return statements;
}

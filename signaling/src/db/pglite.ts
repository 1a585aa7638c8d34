import { mkdir } from 'node:fs/promises';

import { PGlite, types } from '@electric-sql/pglite';

import type { Database, Queryable } from './Database.ts';

/** Embedded PostgreSQL kept in `dataDir`; `undefined` keeps it in memory (tests). */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true });

  // Dates stay ISO strings ('2026-12-04'), as with the PostgreSQL driver.
  const options = { parsers: { [types.DATE]: (value: string) => value } };
  const pg = dataDir ? new PGlite(dataDir, options) : new PGlite(options);

  await pg.waitReady;

  // PGlite runs one statement at a time; transactions are serialised by its own mutex.
  return {
    driver: 'pglite',
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await pg.query<Row>(sql, params);

      return result.rows;
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>) {
      return pg.transaction(async (tx) =>
        work({
          async query<Row>(sql: string, params: unknown[] = []) {
            const result = await tx.query<Row>(sql, params);

            return result.rows;
          },
        }),
      );
    },
    async exec(sql: string) {
      await pg.exec(sql);
    },
    async ping() {
      await pg.query('select 1');
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}

import pg from 'pg';

import type { Database, Queryable } from './Database.ts';

// Dates stay ISO strings ('2026-12-04') instead of becoming local-midnight Date objects.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

/** A PostgreSQL server reached through a connection pool. */
export async function openPostgres(connectionString: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: 10 });

  // An idle client losing its server must not take the process down; the next query reconnects.
  pool.on('error', () => {});
  await pool.query('select 1');

  return {
    driver: 'postgres',
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params);

      return result.rows as Row[];
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>) {
      const client = await pool.connect();
      // A connection the server drops mid-transaction emits 'error' on the client; without a
      // listener that would end the process. The failing query rejects and rolls back anyway.
      const ignore = () => {};

      client.on('error', ignore);

      try {
        await client.query('begin');

        const result = await work({
          async query<Row>(sql: string, params: unknown[] = []) {
            const res = await client.query(sql, params);

            return res.rows as Row[];
          },
        });

        await client.query('commit');

        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.off('error', ignore);
        client.release();
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
}

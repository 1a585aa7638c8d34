import path from 'node:path';

import type { Database } from './Database.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export type { Database, Queryable } from './Database.ts';

/**
 * Opens the database Teamrom is configured for and brings its schema up to date: a PostgreSQL
 * server when a URL is given, else PGlite under `<dataDir>/pglite` (in memory when dataDir is null).
 */
export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir: string | null;
}): Promise<Database> {
  const db = options.databaseUrl
    ? await openPostgres(options.databaseUrl)
    : await openPglite(options.dataDir ? path.join(options.dataDir, 'pglite') : undefined);

  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }

  return db;
}

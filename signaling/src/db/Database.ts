/**
 * The one SQL interface Teamrom's repositories use. Two drivers implement it: embedded PGlite
 * (the default for a single machine) and a PostgreSQL server (when DATABASE_URL is set). Both speak
 * PostgreSQL with `$1` parameters, so the schema and queries are shared.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Database extends Queryable {
  /** Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
  readonly driver: 'pglite' | 'postgres';
}

import type { Executor } from '../driver.js';

/**
 * golang-migrate's bookkeeping: one row `(version, dirty)` in
 * `schema_migrations`, so either tool can migrate the same database. A dirty
 * row marks a migration that started and did not finish; -1 is golang-migrate's
 * "no version" and only appears dirty (a failed first migration or last revert).
 */
export interface SchemaVersion {
  version: number | null;
  dirty: boolean;
}

const NIL_VERSION = -1;

export async function ensureVersionTable(db: Executor): Promise<void> {
  await db.query('CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
}

export async function readVersion(db: Executor): Promise<SchemaVersion> {
  const exists = await db.query<{ exists: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS exists");
  if (!exists.rows[0]?.exists) return { version: null, dirty: false };
  const { rows } = await db.query<{ version: string; dirty: boolean }>('SELECT version, dirty FROM schema_migrations LIMIT 1');
  const row = rows[0];
  if (!row) return { version: null, dirty: false };
  const version = Number(row.version);
  return { version: version === NIL_VERSION ? null : version, dirty: row.dirty };
}

export async function writeVersion(db: Executor, version: number | null, dirty: boolean): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query('DELETE FROM schema_migrations');
    if (version !== null || dirty) {
      await db.query('INSERT INTO schema_migrations (version, dirty) VALUES ($1, $2)', [version ?? NIL_VERSION, dirty]);
    }
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}

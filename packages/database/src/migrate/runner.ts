import { setTimeout as sleep } from 'node:timers/promises';

import type pg from 'pg';
import { MigrationError, Umzug } from 'umzug';
import type { UmzugStorage } from 'umzug';

import type { Driver, Executor } from '../driver.js';
import { DatabaseError } from '../errors.js';
import { migrationLockId } from './advisory-lock.js';
import { loadMigrations } from './source.js';
import type { MigrationFile } from './source.js';
import { ensureVersionTable, readVersion, writeVersion } from './version-table.js';
import type { SchemaVersion } from './version-table.js';

/** What to migrate to. `steps` defaults to all pending (up) or one (down). */
export type MigrateTarget =
  | { direction: 'up'; steps?: number }
  | { direction: 'down'; steps?: number | 'all' }
  | { goto: number };

export interface MigrationResult {
  version: number;
  name: string;
  direction: 'up' | 'down';
  status: 'applied' | 'failed';
}

/** Per-migration results; `error` is set when the run stopped early (after Kysely's Migrator). */
export interface MigrateOutcome {
  error?: DatabaseError;
  results: MigrationResult[];
  before: SchemaVersion;
  after: SchemaVersion;
}

interface LockOptions {
  /** Give up waiting for another runner's lock after this long (default 60 s). */
  lockTimeoutMs?: number;
  /** Called once when the lock is held by another runner and this one starts waiting. */
  onLockWait?: () => void;
}

export interface MigrateOptions extends LockOptions {
  /** Defaults to the migrations shipped with this package. */
  migrations?: MigrationFile[];
  /** Called as each migration starts and ends. */
  onProgress?: (event: { version: number; name: string; direction: 'up' | 'down'; phase: 'start' | 'done' }) => void;
}

export interface MigrationStatus extends SchemaVersion {
  latest: number | null;
  migrations: Array<{ version: number; name: string; applied: boolean }>;
}

type Context = { db: pg.PoolClient };

/**
 * Migrates under golang-migrate's advisory lock: concurrent runners (other
 * replicas, golang-migrate itself) wait, then find the work done. Each
 * migration runs in a transaction; the version is marked dirty before it runs
 * and clean after, so one that fails leaves the schema as it was, the version
 * dirty, and every later run refused until `forceVersion`.
 *
 * @example
 * const { error, results } = await migrate(driver, { direction: 'up' });
 * if (error) throw error;
 */
export async function migrate(driver: Driver, target: MigrateTarget, options: MigrateOptions = {}): Promise<MigrateOutcome> {
  const migrations = options.migrations ?? (await loadMigrations());
  return withMigrationLock(driver, options, async (db) => {
    const before = await readVersion(db);
    const umzug = createUmzug(db, migrations);
    const results: MigrationResult[] = [];
    const record = (direction: 'up' | 'down', status: MigrationResult['status']) => (params: { name: string }) => {
      const migration = byName(migrations, params.name);
      results.push({ version: migration.version, name: migration.name, direction, status });
      options.onProgress?.({ version: migration.version, name: migration.name, direction, phase: 'done' });
    };
    const start = (direction: 'up' | 'down') => (params: { name: string }) => {
      const migration = byName(migrations, params.name);
      options.onProgress?.({ version: migration.version, name: migration.name, direction, phase: 'start' });
    };
    umzug.on('migrating', start('up'));
    umzug.on('reverting', start('down'));
    umzug.on('migrated', record('up', 'applied'));
    umzug.on('reverted', record('down', 'applied'));
    let error: DatabaseError | undefined;
    try {
      assertUsable(before, migrations);
      await run(umzug, target, migrations, before.version);
    } catch (cause) {
      error = toDatabaseError(cause, migrations, results);
    }
    return { ...(error ? { error } : {}), results, before, after: await readVersion(db) };
  });
}

/**
 * Brings the schema to the latest version, throwing on any failure.
 *
 * @example
 * await migrateToLatest(driver);
 */
export async function migrateToLatest(driver: Driver, options: MigrateOptions = {}): Promise<MigrateOutcome> {
  const outcome = await migrate(driver, { direction: 'up' }, options);
  if (outcome.error) throw outcome.error;
  return outcome;
}

/** The database's version and which migrations are applied. Works on a dirty database. */
export async function migrationStatus(driver: Driver, options: Pick<MigrateOptions, 'migrations'> = {}): Promise<MigrationStatus> {
  const migrations = options.migrations ?? (await loadMigrations());
  const current = await readVersion(driver.pool);
  return {
    ...current,
    latest: migrations.at(-1)?.version ?? null,
    migrations: migrations.map((m) => ({
      version: m.version,
      name: m.name,
      applied: current.version !== null && m.version <= current.version && !(current.dirty && m.version === current.version),
    })),
  };
}

/**
 * Sets the version without running anything and clears the dirty flag: the
 * way out after a failed migration was mended by hand. 0 means "no version".
 */
export async function forceVersion(driver: Driver, version: number, options: Omit<MigrateOptions, 'onProgress'> = {}): Promise<SchemaVersion> {
  const migrations = options.migrations ?? (await loadMigrations());
  if (version !== 0) findVersion(migrations, version);
  return withMigrationLock(driver, options, async (db) => {
    await writeVersion(db, version === 0 ? null : version, false);
    return readVersion(db);
  });
}

/** How long a runner waits for another runner's migration lock before giving up. */
export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 60_000;
const LOCK_POLL_MS = 200;

async function withMigrationLock<T>(driver: Driver, options: LockOptions, fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
  const db = await driver.pool.connect();
  const lockId = migrationLockId(driver.databaseName);
  let broken: Error | undefined;
  try {
    await acquireMigrationLock(db, lockId, options);
    try {
      await ensureVersionTable(db);
      return await fn(db);
    } finally {
      // A failed unlock (dead connection) must not hide fn's own error; the server drops the lock with the session.
      await db.query('SELECT pg_advisory_unlock($1)', [lockId]).catch((error: Error) => {
        broken = error;
      });
    }
  } finally {
    db.release(broken);
  }
}

// Polls pg_try_advisory_lock rather than blocking in pg_advisory_lock, so a
// runner can say it is waiting and give up after a timeout (golang-migrate
// gives up too) instead of hanging silently behind a stuck runner.
async function acquireMigrationLock(db: pg.PoolClient, lockId: string, options: LockOptions): Promise<void> {
  const timeoutMs = options.lockTimeoutMs ?? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS;
  const started = Date.now();
  for (let waited = false; ; waited = true) {
    const { rows } = await db.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [lockId]);
    if (rows[0]?.locked) return;
    if (!waited) options.onLockWait?.();
    if (Date.now() - started >= timeoutMs) {
      throw new DatabaseError(
        'MIGRATION_LOCK_TIMEOUT',
        `another runner has held the migration lock (advisory lock ${lockId}) for over ${Math.round(timeoutMs / 1000)} s; ` +
          'is a migration stuck? (pg_locks shows the holder)',
      );
    }
    await sleep(LOCK_POLL_MS);
  }
}

function assertUsable(current: SchemaVersion, migrations: MigrationFile[]): void {
  if (current.dirty) {
    throw new DatabaseError(
      'MIGRATION_DIRTY',
      `database is dirty at version ${current.version ?? 'none'}: a migration to or from it failed part-way. ` +
        'Each migration runs in one transaction, so the schema is at the version that run started from (its error named it); ' +
        'check the schema, then run `coder-db migrate force VERSION` with that version.',
    );
  }
  if (current.version !== null && !migrations.some((m) => m.version === current.version)) {
    throw new DatabaseError(
      'MIGRATION_SCHEMA_AHEAD',
      `database is at version ${current.version}, which no migration file has (latest known: ${migrations.at(-1)?.version ?? 'none'}); ` +
        'is this an older build running against a newer database?',
    );
  }
}

async function run(umzug: Umzug<Context>, target: MigrateTarget, migrations: MigrationFile[], current: number | null): Promise<void> {
  if ('goto' in target) {
    const destination = target.goto === 0 ? null : findVersion(migrations, target.goto);
    const from = current ?? 0;
    if (destination && destination.version > from) await umzug.up({ to: migrationName(destination) });
    else if (target.goto < from) {
      const firstToRevert = migrations.find((m) => m.version > target.goto)!;
      await umzug.down({ to: migrationName(firstToRevert) });
    }
    return;
  }
  if (target.direction === 'up') {
    await (target.steps === undefined ? umzug.up() : umzug.up({ step: positive(target.steps) }));
    return;
  }
  await (target.steps === 'all' ? umzug.down({ to: 0 }) : umzug.down({ step: positive(target.steps ?? 1) }));
}

function createUmzug(db: pg.PoolClient, migrations: MigrationFile[]): Umzug<Context> {
  return new Umzug<Context>({
    context: { db },
    logger: undefined,
    storage: versionStorage(migrations),
    migrations: migrations.map((m, index) => {
      const previous = index > 0 ? migrations[index - 1]!.version : null;
      return {
        name: migrationName(m),
        up: async ({ context }) => {
          await writeVersion(context.db, m.version, true);
          await inTransaction(context.db, m.upSql);
        },
        down: async ({ context }) => {
          await writeVersion(context.db, previous, true);
          await inTransaction(context.db, m.downSql);
        },
      };
    }),
  });
}

/** Umzug storage over golang-migrate's single-row table: "executed" = every version up to the current one. */
function versionStorage(migrations: MigrationFile[]): UmzugStorage<Context> {
  return {
    async executed({ context }) {
      const { version } = await readVersion(context.db);
      return migrations.filter((m) => version !== null && m.version <= version).map(migrationName);
    },
    async logMigration({ name, context }) {
      await writeVersion(context.db, byName(migrations, name).version, false);
    },
    async unlogMigration({ name, context }) {
      const index = migrations.indexOf(byName(migrations, name));
      await writeVersion(context.db, index > 0 ? migrations[index - 1]!.version : null, false);
    },
  };
}

async function inTransaction(db: Executor, sql: string): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query(sql);
    await db.query('COMMIT');
  } catch (error) {
    // The migration's own error is the one to report, even if ROLLBACK fails too (dead connection).
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

function toDatabaseError(cause: unknown, migrations: MigrationFile[], results: MigrationResult[]): DatabaseError {
  if (cause instanceof DatabaseError) return cause;
  if (cause instanceof MigrationError) {
    const migration = byName(migrations, cause.migration.name);
    const { direction } = cause.migration;
    results.push({ version: migration.version, name: migration.name, direction, status: 'failed' });
    const original = cause.cause instanceof Error ? cause.cause.message : String(cause.cause);
    // Each migration runs in one transaction: after a failure the schema is where it was before it.
    const index = migrations.indexOf(migration);
    const realVersion = direction === 'up' ? (index > 0 ? migrations[index - 1]!.version : 0) : migration.version;
    return new DatabaseError(
      'MIGRATION_FAILED',
      `migration ${migrationName(migration)} (${direction}) failed: ${original}. ` +
        `Its transaction was rolled back, so the schema should still be at version ${realVersion || 'none'}, ` +
        `but the database is marked dirty: check it, then run \`coder-db migrate force ${realVersion}\``,
      { cause: cause.cause },
    );
  }
  return new DatabaseError('MIGRATION_FAILED', `migration run failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

function migrationName(m: MigrationFile): string {
  return `${String(m.version).padStart(6, '0')}_${m.name}`;
}

function byName(migrations: MigrationFile[], name: string): MigrationFile {
  const found = migrations.find((m) => migrationName(m) === name);
  if (!found) throw new Error(`unknown migration ${name}`);
  return found;
}

function findVersion(migrations: MigrationFile[], version: number): MigrationFile {
  const found = migrations.find((m) => m.version === version);
  if (!found) {
    throw new DatabaseError(
      'MIGRATION_UNKNOWN_VERSION',
      `no migration has version ${version} (known: ${migrations.map((m) => m.version).join(', ') || 'none'}; 0 means an empty schema)`,
    );
  }
  return found;
}

function positive(steps: number): number {
  if (!Number.isInteger(steps) || steps <= 0) {
    throw new DatabaseError('MIGRATION_UNKNOWN_VERSION', `step count must be a positive integer, got ${steps}`);
  }
  return steps;
}

import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';
import lockfile from 'proper-lockfile';

import { DatabaseError } from './errors.js';

/** Anything that runs a query: the pool itself or one checked-out connection. */
export interface Executor {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * A database behind a `pg.Pool`. Both engines use the same `pg` client code
 * (PGlite through its node-postgres adapter), so row types, type parsing and
 * transactions behave the same on both.
 */
export interface Driver {
  readonly kind: 'pglite' | 'postgres';
  /** Where the database is, safe to print (no password). */
  readonly location: string;
  readonly pool: pg.Pool;
  /** Database name, used for golang-migrate's advisory lock id. */
  readonly databaseName: string;
  close(): Promise<void>;
}

/** Default embedded database directory, relative to the current directory. */
export const DEFAULT_PGLITE_DIR = path.join('.data', 'pglite');
export const DEFAULT_POOL_SIZE = 10;

export interface OpenDriverOptions {
  /** Connections per pool on PostgreSQL (PGlite is always one session). */
  poolSize?: number;
  /** Statement timeout on PostgreSQL, milliseconds (0: none). */
  statementTimeoutMs?: number;
  /** An existing PGlite to wrap (tests clone a migrated template). Closed with the driver. */
  pglite?: PGlite;
}

/**
 * Opens the database named by `url`:
 * - `postgres://` or `postgresql://`: a PostgreSQL server through `pg`;
 * - `memory://`: an in-memory PGlite database;
 * - `undefined` or `''`: embedded PGlite in `.data/pglite` under the current directory;
 * - `file://DIR` or a path: embedded PGlite in that directory.
 *
 * An embedded data directory is locked: a second process (or a second open in
 * this one) gets `DB_DATA_DIR_LOCKED` instead of silently corrupting it.
 *
 * @example
 * const driver = await openDriver(process.env.DATABASE_URL);
 * try { await driver.pool.query('SELECT 1'); } finally { await driver.close(); }
 */
export async function openDriver(url: string | undefined, options: OpenDriverOptions = {}): Promise<Driver> {
  if (options.pglite) return wrapPGlite(options.pglite, 'pglite (in-process)', async () => {});
  const target = parseDatabaseUrl(url);
  if (target.kind === 'postgres') return openPostgres(target.url, options);
  if (target.dir === undefined) return wrapPGlite(new PGlite(), 'memory://', async () => {});
  return openPGliteDir(target.dir);
}

type Target = { kind: 'postgres'; url: URL } | { kind: 'pglite'; dir: string | undefined };

/** Parses a database location; throws `DB_URL_INVALID` with the reason. */
export function parseDatabaseUrl(url: string | undefined): Target {
  if (url === undefined || url.trim() === '') return { kind: 'pglite', dir: path.resolve(DEFAULT_PGLITE_DIR) };
  if (url === 'memory://') return { kind: 'pglite', dir: undefined };
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    // `postgres:/host/db`, `file:/dir`, `memory:`: a URL missing its `//`, not a directory name.
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !/^[a-z]:[\\/]/i.test(url)) {
      throw new DatabaseError('DB_URL_INVALID', `database URL ${redact(url.replace(/^([a-z][a-z0-9+.-]*:)\/?/i, '$1//'))} is missing the // after its scheme (postgres://…, file:///dir, memory://)`);
    }
    return { kind: 'pglite', dir: path.resolve(url) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new DatabaseError('DB_URL_INVALID', `database URL is malformed: ${redact(url)}`, { cause });
  }
  if (parsed.protocol === 'file:') {
    const dir = decodeURIComponent(parsed.pathname);
    if (dir === '' || dir === '/') throw new DatabaseError('DB_URL_INVALID', `database URL ${url} names no directory (file:///path/to/dir)`);
    return { kind: 'pglite', dir: path.resolve(dir) };
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseError(
      'DB_URL_INVALID',
      `database URL ${redact(url)} has scheme ${parsed.protocol} (want postgres://, postgresql://, file:// or memory://)`,
    );
  }
  if (parsed.pathname.length <= 1) {
    throw new DatabaseError('DB_URL_INVALID', `database URL ${redact(url)} names no database (postgres://host:5432/NAME)`);
  }
  return { kind: 'postgres', url: parsed };
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return (
    url
      // user:password@ — the password may hold '/', '@', '?' or '#' (unencoded): mask up to the last '@'.
      .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:).*@/i, '$1***@')
      // ...?password=… and sslpassword (pg accepts both as parameters); idempotent.
      .replace(/([?&](?:ssl)?password=)(?!\*\*\*)[^&#\s]*/gi, '$1***')
  );
}

async function openPostgres(url: URL, options: OpenDriverOptions): Promise<Driver> {
  const location = redact(url.toString());
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: 10_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // A connection that dies (server restart, pg_terminate_backend) must not crash
  // the process. pg-pool only listens on idle clients; a checked-out client
  // would emit an unhandled 'error'. With a listener on every client, the
  // error reaches the running query as a rejection and the pool drops the client.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    await pool.query('SELECT 1');
  } catch (cause) {
    await pool.end().catch(() => {});
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DatabaseError('DB_CONNECT_FAILED', `cannot connect to PostgreSQL at ${location}: ${reason}`, { cause });
  }
  return {
    kind: 'postgres',
    location,
    pool,
    databaseName: decodeURIComponent(url.pathname.slice(1)),
    close: () => pool.end(),
  };
}

async function openPGliteDir(dir: string): Promise<Driver> {
  await checkDataDir(dir);
  await mkdir(dir, { recursive: true });
  let release: () => Promise<void>;
  try {
    // PGlite has no lock of its own: two instances on one directory corrupt it.
    release = await lockfile.lock(dir, { lockfilePath: `${dir}.lock`, stale: 10_000, update: 2_000 });
  } catch (cause) {
    throw new DatabaseError(
      'DB_DATA_DIR_LOCKED',
      `the embedded database ${dir} is in use by another process (lock ${dir}.lock); ` +
        'stop it, or use another directory, memory:// or DATABASE_URL',
      { cause },
    );
  }
  try {
    return await wrapPGlite(new PGlite(dir), dir, release);
  } catch (error) {
    await release();
    throw error;
  }
}

/** An embedded database goes only into a new or empty directory, or one PGlite made (it has PG_VERSION). */
async function checkDataDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException): string[] => {
    if (error.code === 'ENOENT') return [];
    if (error.code === 'ENOTDIR') throw new DatabaseError('DB_URL_INVALID', `${dir} is a file, not a database directory`);
    throw new DatabaseError('DB_URL_INVALID', `cannot read the database directory ${dir}: ${error.message}`, { cause: error });
  });
  if (entries.length > 0 && !entries.includes('PG_VERSION')) {
    throw new DatabaseError(
      'DB_URL_INVALID',
      `${dir} is not empty and holds no database (no PG_VERSION); give a new or empty directory, memory:// or a postgres:// URL`,
    );
  }
}

async function wrapPGlite(db: PGlite, location: string, release: () => Promise<void>): Promise<Driver> {
  await db.waitReady;
  // One connection: PGlite is a single session, and the pool's checkout is
  // what keeps one transaction's statements from interleaving with another's.
  const pool = new pg.Pool({ ...createPgConfig(db), max: 1, idleTimeoutMillis: 0 });
  return {
    kind: 'pglite',
    location,
    pool,
    databaseName: 'postgres',
    close: async () => {
      await pool.end();
      await db.close();
      await release();
    },
  };
}

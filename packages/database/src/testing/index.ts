// Helpers for tests in this and other packages: real databases, never mocks.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

import { openDriver } from '../driver.js';
import type { Driver } from '../driver.js';
import { migrateToLatest } from '../migrate/runner.js';
import { loadMigrations } from '../migrate/source.js';
import { createSqlStore } from '../store.js';
import type { Store } from '../store.js';

export type Backend = 'pglite' | 'postgres';

/**
 * The PostgreSQL server for tests, from DATABASE_URL. In CI (CI=true) a
 * missing DATABASE_URL is an error, so PostgreSQL suites can never skip there.
 *
 * @example
 * describe.skipIf(!postgresUrl())('on PostgreSQL', () => { ... });
 */
export function postgresUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  if (url) return url;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error('DATABASE_URL is not set: in CI the PostgreSQL tests must run, not skip (see .ci/run)');
  }
  return undefined;
}

/** The backends tests can run on here: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function availableBackends(): Backend[] {
  return postgresUrl() ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase {
  backend: Backend;
  driver: Driver;
  store: Store;
  /** The database's own URL (PostgreSQL only), e.g. for a second pool as another replica. */
  url?: string;
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Migrate to the latest schema (default true). */
  migrated?: boolean;
  poolSize?: number;
}

/**
 * A fresh, private database on `backend`. PostgreSQL: a new database on the
 * DATABASE_URL server, dropped on close. PGlite: a copy of a migrated
 * template cached on disk (a new PGlite costs seconds of initdb; loading a
 * dump costs a fraction of one).
 */
export async function createTestDatabase(backend: Backend, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  if (backend === 'pglite') {
    const db = new PGlite({ loadDataDir: await pgliteTemplate(migrated) });
    const driver = await openDriver(undefined, { pglite: db });
    return { backend, driver, store: createSqlStore(driver), close: () => driver.close() };
  }
  const adminUrl = postgresUrl();
  if (!adminUrl) throw new Error('createTestDatabase("postgres") needs DATABASE_URL');
  const name = `coder_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const driver = await openDriver(url.toString(), options.poolSize ? { poolSize: options.poolSize } : {});
  if (migrated) await migrateToLatest(driver);
  return {
    backend,
    driver,
    store: createSqlStore(driver),
    url: url.toString(),
    close: async () => {
      await driver.close();
      await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const templates = new Map<boolean, Promise<Blob>>();

function pgliteTemplate(migrated: boolean): Promise<Blob> {
  let template = templates.get(migrated);
  if (!template) {
    template = buildTemplate(migrated);
    templates.set(migrated, template);
  }
  return template;
}

// Cached across test files and runs, keyed by the migrations' content.
async function buildTemplate(migrated: boolean): Promise<Blob> {
  const migrations = await loadMigrations();
  const hash = createHash('sha256').update(JSON.stringify(migrated ? migrations : [])).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), 'coder-test-pglite', `${hash}.tar.gz`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    // Not cached yet.
  }
  const db = new PGlite();
  const driver = await openDriver(undefined, { pglite: db });
  if (migrated) await migrateToLatest(driver, { migrations });
  const dump = await db.dumpDataDir('gzip');
  await driver.close();
  await mkdir(path.dirname(file), { recursive: true });
  // Write then rename: parallel test workers never read half a file.
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, file);
  return dump;
}

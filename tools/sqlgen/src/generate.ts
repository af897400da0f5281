import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { PGlite } from '@electric-sql/pglite';

import { loadMigrations, migrateToLatest, openDriver } from '@coder/database';
import { loadCatalog } from './catalog.js';
import { describeQueries } from './describe.js';
import { emitModule } from './emit.js';
import { SqlgenError } from './errors.js';
import { buildModel } from './model.js';
import { parseQueryFile } from './parse.js';
import type { ParsedQuery } from './parse.js';

/** What to read and where to write. */
export interface SqlgenConfig {
  /** Folder of annotated `*.sql` query files. */
  queriesDir: string;
  /** golang-migrate folder (`NNNNNN_name.up.sql`) the queries are typed against. */
  migrationsDir: string;
  /** The generated module. */
  outFile: string;
  /** Import path of the `Executor` type, relative to `outFile`. */
  executorImport: string;
}

const DATABASE_DIR = fileURLToPath(new URL('../../../packages/database/', import.meta.url));

/** The configuration `pnpm gen` uses: `@coder/database`'s queries and migrations. */
export const DEFAULT_CONFIG: SqlgenConfig = {
  queriesDir: path.join(DATABASE_DIR, 'queries'),
  migrationsDir: path.join(DATABASE_DIR, 'migrations'),
  outFile: path.join(DATABASE_DIR, 'src', 'queries.gen.ts'),
  executorImport: './driver.js',
};

export interface GenerateResult {
  /** The module text. */
  text: string;
  queries: number;
  /** Milliseconds spent, total and preparing the schema. */
  elapsedMs: number;
  schemaMs: number;
}

/**
 * Generates the module text (writes nothing). Throws `SqlgenError`:
 * `SQLGEN_ANNOTATION_INVALID`, `SQLGEN_QUERY_INVALID` (with `file:line:col`
 * and PostgreSQL's message), `SQLGEN_TYPE_UNSUPPORTED`, `SQLGEN_SCHEMA_FAILED`.
 *
 * @example
 * const { text } = await generate(DEFAULT_CONFIG);
 */
export async function generate(config: SqlgenConfig = DEFAULT_CONFIG): Promise<GenerateResult> {
  const started = performance.now();
  const queries = await readQueries(config.queriesDir);
  const db = await migratedDatabase(config.migrationsDir);
  const schemaMs = performance.now() - started;
  try {
    const described = await describeQueries(db, queries);
    const catalog = await loadCatalog(db);
    const model = buildModel(catalog, described);
    const text = emitModule(model, { executorImport: config.executorImport, relativeTo: path.dirname(config.queriesDir) });
    return { text, queries: queries.length, elapsedMs: performance.now() - started, schemaMs };
  } finally {
    await db.close();
  }
}

/** Outcome of `check`: whether the committed file is what the generator writes. */
export interface CheckResult {
  upToDate: boolean;
  outFile: string;
  /** First differing line (1-based) when stale. */
  firstDifference?: number;
}

/**
 * Generates and writes `outFile`. Returns what `generate` returns.
 *
 * @example
 * await writeGenerated(DEFAULT_CONFIG);
 */
export async function writeGenerated(config: SqlgenConfig = DEFAULT_CONFIG): Promise<GenerateResult> {
  const result = await generate(config);
  let current: string | undefined;
  try {
    current = await readFile(config.outFile, 'utf8');
  } catch {
    // First generation.
  }
  if (current !== result.text) await writeFile(config.outFile, result.text);
  return result;
}

/**
 * Compares the committed file with what the generator would write now.
 *
 * @example
 * const { upToDate } = await check(DEFAULT_CONFIG);
 */
export async function check(config: SqlgenConfig = DEFAULT_CONFIG): Promise<CheckResult & GenerateResult> {
  const result = await generate(config);
  let current = '';
  try {
    current = await readFile(config.outFile, 'utf8');
  } catch {
    // Missing: stale.
  }
  if (current === result.text) return { ...result, upToDate: true, outFile: config.outFile };
  const a = current.split('\n');
  const b = result.text.split('\n');
  let line = 0;
  while (line < Math.max(a.length, b.length) && a[line] === b[line]) line++;
  return { ...result, upToDate: false, outFile: config.outFile, firstDifference: line + 1 };
}

async function readQueries(dir: string): Promise<ParsedQuery[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  } catch (cause) {
    throw new SqlgenError('SQLGEN_ANNOTATION_INVALID', `cannot read queries folder ${dir}`, { cause });
  }
  const queries: ParsedQuery[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    queries.push(...parseQueryFile(file, await readFile(file, 'utf8')));
  }
  return queries;
}

/**
 * An in-memory PGlite at the latest schema. Building one costs seconds
 * (initdb, then the migrations), so the migrated data directory is cached in
 * the temp folder, keyed by the migrations' content.
 */
async function migratedDatabase(migrationsDir: string): Promise<PGlite> {
  const migrations = await loadMigrations(migrationsDir);
  const hash = createHash('sha256').update(JSON.stringify(migrations)).digest('hex').slice(0, 16);
  const cacheFile = path.join(os.tmpdir(), 'coder-sqlgen', `${hash}.tar.gz`);
  let dump: Blob | undefined;
  try {
    dump = new Blob([await readFile(cacheFile)]);
  } catch {
    // Not cached yet.
  }
  if (!dump) {
    const pglite = new PGlite();
    const driver = await openDriver(undefined, { pglite });
    try {
      await migrateToLatest(driver, { migrations });
      dump = await pglite.dumpDataDir('gzip');
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new SqlgenError('SQLGEN_SCHEMA_FAILED', `cannot migrate ${migrationsDir}: ${message}`, { cause });
    } finally {
      await driver.close();
    }
    await mkdir(path.dirname(cacheFile), { recursive: true });
    const partial = `${cacheFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, cacheFile);
  }
  const db = new PGlite({ loadDataDir: dump });
  await db.waitReady;
  return db;
}

// The cost of each Store layer per query against the bare SQL store, and of the
// generated query functions against a hand-written `pool.query` with the same SQL.
//
//   pnpm bench                       # from the repository root (turbo passes DATABASE_URL)
//   BENCH_OPS=2000 pnpm run bench    # in packages/database, scaled down
//
// Backends: PostgreSQL (a scratch database on the DATABASE_URL server, created
// and dropped here; skipped without DATABASE_URL), PGlite (in-process, for
// reference, at a fifth of the operations) and a stub executor with no
// database (the layers' own CPU per call, free of I/O noise). Every variant
// runs the same number of operations in round-robin batches, the order
// rotated each round, so machine noise hits all of them alike; each figure is
// a median over the rounds, and each ratio is taken within a round.
//
// Environment: BENCH_OPS (reads and writes per variant, default 10000; the
// optimistic write runs half), BENCH_BATCH (operations per batch, default 50),
// BENCH_BACKENDS (e.g. `postgres,stub`; the stub is always needed).
// A bench, not a test: a missed target is printed as FAIL, the exit code stays 0.
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';

import {
  asActor,
  createSqlStore,
  encryptValue,
  migrateToLatest,
  openDriver,
  openStore,
  parseEncryptionKeys,
  redact,
  withDbauthz,
  withDbcrypt,
  withTxRetry,
} from '@coder/database';
import type { Actor, Driver, Store } from '@coder/database';
import { createTestDatabase } from '@coder/database/testing';
import { getExternalAuthLinkSql, updateExternalAuthLinkSql, updateExternalAuthLinkTokensSql } from '../src/queries.gen.js';
import { median, percent, quantile, table } from './stats.js';
import { stubDriver } from './stub.js';

/** Overhead target: each layer adds less than this fraction of the bare query. */
const TARGET = 0.1;
const OPS = positiveInt('BENCH_OPS', 10_000);
const BATCH = Math.min(OPS, positiveInt('BENCH_BATCH', 50));
const PROVIDER = 'github';

type Operation = 'read' | 'write' | 'swap';
/** `scale`: operations per variant as a fraction of BENCH_OPS (the optimistic write costs two round trips through dbcrypt). */
const OPERATIONS: ReadonlyArray<{ op: Operation; title: string; scale: number }> = [
  { op: 'read', title: 'read: getExternalAuthLink', scale: 1 },
  { op: 'write', title: 'write: updateExternalAuthLink', scale: 1 },
  { op: 'swap', title: 'optimistic write: updateExternalAuthLinkTokens (old refresh token must match)', scale: 0.5 },
];

/** One way of running the three operations, on a link of its own. */
interface Subject {
  name: string;
  /** What it adds to the variant above it (for the verdict line). */
  layer: string;
  actor: Actor;
  read(): Promise<void>;
  write(): Promise<void>;
  swap(): Promise<void>;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

// --- databases -------------------------------------------------------------

interface BenchDatabase {
  driver: Driver;
  label: string;
  close(): Promise<void>;
}

/**
 * A scratch database on the server of `adminUrl`, dropped on close. Commits
 * do not wait for the WAL flush (synchronous_commit=off on this database
 * only): a write then costs its round trip and CPU rather than a disk sync,
 * which makes the bare query cheaper and each layer's share larger, i.e. the
 * ratios are the strict ones.
 */
async function scratchPostgres(adminUrl: string): Promise<BenchDatabase> {
  const name = `coder_bench_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, async (c) => {
    await c.query(`CREATE DATABASE ${name}`);
    await c.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  });
  const drop = () => admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const onSignal = () => {
    void drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const driver = await openDriver(url.toString());
    await migrateToLatest(driver);
    return {
      driver,
      label: `PostgreSQL ${await serverVersion(driver)}, scratch database ${redact(url.toString())}`,
      close: async () => {
        process.off('SIGINT', onSignal);
        await driver.close();
        await drop();
      },
    };
  } catch (error) {
    process.off('SIGINT', onSignal);
    await drop();
    throw error;
  }
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function serverVersion(driver: Driver): Promise<string> {
  const { rows } = await driver.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return rows[0]?.v.split(' ')[0] ?? '?';
}

async function pglite(): Promise<BenchDatabase> {
  const db = await createTestDatabase('pglite');
  return { driver: db.driver, label: 'PGlite (in-process, through its node-postgres adapter)', close: () => db.close() };
}

// --- the variants ----------------------------------------------------------

/** Two refresh tokens the optimistic write swaps between. */
const TOKENS = { access: 'gho_' + 'a'.repeat(36), refresh: ['ghr_' + 'b'.repeat(76), 'ghr_' + 'c'.repeat(76)] } as const;

async function subjects(driver: Driver): Promise<Subject[]> {
  const keys = parseEncryptionKeys(randomBytes(32).toString('base64'));
  const key = keys[0]!;
  const logger = pino({ level: 'silent' });
  const bare = createSqlStore(driver);
  const txRetry = withTxRetry(bare, { logger });
  const dbcrypt = await withDbcrypt(txRetry, { keys });
  const dbauthz = withDbauthz(dbcrypt);
  const stack = (queryMetrics: boolean) =>
    openStore({ driver, encryptionKeys: key.key.toString('base64'), registry: new Registry(), queryMetrics, logger });
  const full = (await stack(false)).store;
  const fullLatencies = (await stack(true)).store;

  // Below dbcrypt the store gets what dbcrypt would hand it: ciphertexts of
  // the same length, so every variant moves the same bytes.
  const cipher = {
    access: encryptValue(key, TOKENS.access),
    refresh: TOKENS.refresh.map((t) => encryptValue(key, t)),
  };

  const made: Subject[] = [];
  const add = async (name: string, layer: string, make: (p: LinkParams) => Omit<Subject, 'name' | 'layer' | 'actor'>) => {
    const userId = randomUUID();
    const actor: Actor = { id: userId, roles: ['member'] };
    await bare.insertUser({ id: userId, username: `bench-${userId.slice(0, 8)}`, name: '' });
    // Start every link from the same stored bytes: refresh token 0 as ciphertext.
    await bare.insertExternalAuthLink({
      providerId: PROVIDER,
      userId,
      createdAt: new Date(),
      updatedAt: new Date(),
      oauthAccessToken: cipher.access,
      oauthAccessTokenKeyId: key.id,
      oauthRefreshToken: cipher.refresh[0]!,
      oauthRefreshTokenKeyId: key.id,
      oauthExpiry: new Date(Date.now() + 3_600_000),
      oauthExtra: { scope: 'repo' },
    });
    made.push({ name, layer, actor, ...make({ providerId: PROVIDER, userId }) });
  };

  await add('hand-written pool.query', 'generated vs hand-written', (p) => handWritten(driver.pool, p, key.id, cipher));
  await add('bare SQL store (generated)', '', (p) => storeOps(bare, p, key.id, cipher));
  await add('+ tx-retry', 'tx-retry', (p) => storeOps(txRetry, p, key.id, cipher));
  await add('+ dbcrypt', 'dbcrypt', (p) => storeOps(dbcrypt, p, null, null));
  await add('+ dbauthz', 'dbauthz', (p) => storeOps(dbauthz, p, null, null));
  await add('+ dbmetrics (= openStore)', 'dbmetrics', (p) => storeOps(full, p, null, null));
  await add('+ query latencies (opt-in)', 'query latency histogram', (p) => storeOps(fullLatencies, p, null, null));
  return made;
}

interface LinkParams {
  providerId: string;
  userId: string;
}

interface Ciphertexts {
  access: string;
  refresh: string[];
}

/** The three operations through a Store; `cipher` set means the store is below dbcrypt. */
function storeOps(store: Store, link: LinkParams, keyId: string | null, cipher: Ciphertexts | null): Omit<Subject, 'name' | 'layer' | 'actor'> {
  const access = cipher ? cipher.access : TOKENS.access;
  const refresh = cipher ? cipher.refresh : [...TOKENS.refresh];
  let current = 0;
  return {
    async read() {
      if (!(await store.getExternalAuthLink(link))) throw new Error('link not found');
    },
    async write() {
      const row = await store.updateExternalAuthLink({
        ...link,
        updatedAt: new Date(),
        oauthAccessToken: access,
        oauthAccessTokenKeyId: keyId,
        oauthRefreshToken: refresh[current]!,
        oauthRefreshTokenKeyId: keyId,
        oauthExpiry: null,
        oauthExtra: { scope: 'repo' },
      });
      if (!row) throw new Error('link not found');
    },
    async swap() {
      const next = 1 - current;
      const n = await store.updateExternalAuthLinkTokens({
        ...link,
        updatedAt: new Date(),
        oauthAccessToken: access,
        oauthAccessTokenKeyId: keyId,
        oauthRefreshToken: refresh[next]!,
        oauthRefreshTokenKeyId: keyId,
        oauthExpiry: null,
        oauthExtra: { scope: 'repo' },
        oldOauthRefreshToken: refresh[current]!,
      });
      if (n !== 1) throw new Error(`optimistic write changed ${n} rows, want 1`);
      current = next;
    },
  };
}

/** What one would write without the generator: the same SQL, raw rows, no mapping. */
function handWritten(pool: pg.Pool, link: LinkParams, keyId: string, cipher: Ciphertexts): Omit<Subject, 'name' | 'layer' | 'actor'> {
  const getSql = 'SELECT * FROM external_auth_links WHERE provider_id = $1 AND user_id = $2';
  if (getSql !== getExternalAuthLinkSql) throw new Error('the hand-written SQL differs from the generated one');
  let current = 0;
  return {
    async read() {
      const { rows } = await pool.query(getSql, [link.providerId, link.userId]);
      if (!rows[0]) throw new Error('link not found');
    },
    async write() {
      const { rows } = await pool.query(updateExternalAuthLinkSql, [
        new Date(), cipher.access, keyId, cipher.refresh[current], keyId, null, JSON.stringify({ scope: 'repo' }), link.providerId, link.userId,
      ]);
      if (!rows[0]) throw new Error('link not found');
    },
    async swap() {
      const next = 1 - current;
      const { rowCount } = await pool.query(updateExternalAuthLinkTokensSql, [
        new Date(), cipher.access, keyId, cipher.refresh[next], keyId, null, JSON.stringify({ scope: 'repo' }), link.providerId, link.userId,
        cipher.refresh[current],
      ]);
      if (rowCount !== 1) throw new Error(`optimistic write changed ${rowCount} rows, want 1`);
      current = next;
    },
  };
}

// --- measuring -------------------------------------------------------------

/** µs per operation of `n` calls, run as the subject's actor (every variant alike). */
function batch(subject: Subject, op: Operation, n: number): Promise<number> {
  return asActor(subject.actor, async () => {
    const call = subject[op];
    const started = performance.now();
    for (let i = 0; i < n; i++) await call();
    return ((performance.now() - started) * 1000) / n;
  });
}

/** Round-robin batches, the order rotated every round; returns µs/op per round per subject. */
async function rounds(list: readonly Subject[], op: Operation, total: number): Promise<number[][]> {
  const perSubject = list.map((): number[] => []);
  for (let round = 0, done = 0; done < total; round++, done += BATCH) {
    const n = Math.min(BATCH, total - done);
    for (let k = 0; k < list.length; k++) {
      const i = (round + k) % list.length;
      perSubject[i]!.push(await batch(list[i]!, op, n));
    }
  }
  return perSubject;
}

/** One operation on one backend: µs/op and, per layer, the overhead (fraction of bare). */
interface OperationResult {
  op: Operation;
  /** Median µs/op per subject. */
  micros: number[];
  /** Per subject (index > 0): median over rounds of the layer's share; [0]: generated vs hand-written. */
  overhead: Array<{ median: number; q1: number; q3: number } | undefined>;
}

const HAND = 0;
const BARE = 1;

async function benchOperation(list: readonly Subject[], op: Operation, title: string, ops: number): Promise<OperationResult> {
  await rounds(list, op, Math.max(BATCH, Math.round(ops / 20)));
  const started = performance.now();
  const times = await rounds(list, op, ops);
  const seconds = (performance.now() - started) / 1000;
  const roundCount = times[BARE]!.length;
  const perRound = (f: (r: number) => number) => Array.from({ length: roundCount }, (_, r) => f(r));
  const t = (i: number, r: number) => times[i]![r]!;

  const result: OperationResult = { op, micros: times.map((x) => median(x)), overhead: [] };
  const rows = list.map((subject, i) => {
    const cells = [subject.name, result.micros[i]!.toFixed(1), median(perRound((r) => t(i, r) / t(BARE, r))).toFixed(3)];
    let shares: number[] | undefined;
    if (i === HAND) shares = perRound((r) => (t(BARE, r) - t(HAND, r)) / t(HAND, r));
    else if (i > BARE) shares = perRound((r) => (t(i, r) - t(i - 1, r)) / t(BARE, r));
    if (!shares) return [...cells, '', ''];
    const overhead = { median: median(shares), q1: quantile(shares, 0.25), q3: quantile(shares, 0.75) };
    result.overhead[i] = overhead;
    return [...cells, percent(overhead.median), `${percent(overhead.q1)}..${percent(overhead.q3)}`];
  });
  console.log(`\n${title}: ${ops} ops per variant, ${roundCount} rounds of ${BATCH}, ${seconds.toFixed(1)} s`);
  console.log(table(['variant', 'µs/op', 'x bare', 'adds', 'adds IQR'], rows));
  return result;
}

interface Backend {
  name: string;
  /** Operations per variant, as a fraction of BENCH_OPS. */
  scale: number;
  open(): Promise<BenchDatabase>;
}

async function benchBackend(backend: Backend): Promise<{ layers: string[]; results: OperationResult[] }> {
  const db = await backend.open();
  try {
    console.log(`\n=== ${db.label}`);
    const list = await subjects(db.driver);
    const results: OperationResult[] = [];
    for (const { op, title, scale } of OPERATIONS) {
      results.push(await benchOperation(list, op, title, Math.max(BATCH, Math.round(OPS * backend.scale * scale))));
    }
    console.log('  adds: median over rounds of (row - row above) / bare; hand-written row: (generated - hand-written) / hand-written.');
    return { layers: list.map((s) => s.layer), results };
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  console.log(`Store layer benchmark: BENCH_OPS=${OPS}, BENCH_BATCH=${BATCH}, Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`);
  const url = process.env.DATABASE_URL;
  const backends: Backend[] = [];
  if (url) backends.push({ name: 'PostgreSQL', scale: 1, open: () => scratchPostgres(url) });
  backends.push({ name: 'PGlite', scale: 0.2, open: pglite });
  backends.push({ name: 'stub', scale: 1, open: async () => ({ driver: stubDriver(), label: 'No database (stub executor): the layers\' own CPU per call', close: async () => {} }) });
  if (!url) console.log('\nDATABASE_URL is not set: PostgreSQL SKIPPED (PGlite and stub only).');
  const only = process.env.BENCH_BACKENDS?.split(',').map((b) => b.trim().toLowerCase());
  if (only) backends.splice(0, backends.length, ...backends.filter((b) => only.includes(b.name.toLowerCase())));
  if (!backends.some((b) => b.name === 'stub')) throw new Error('BENCH_BACKENDS must include stub (the verdict uses it)');

  const all = new Map<string, OperationResult[]>();
  let names: string[] = [];
  for (const backend of backends) {
    const { layers, results } = await benchBackend(backend);
    all.set(backend.name, results);
    names = layers;
  }

  const reference = backends[0]!.name;
  const stub = all.get('stub')!;
  console.log(`\n=== Verdict: each layer adds < ${TARGET * 100}% of the bare query on ${reference}` +
    (reference === 'PostgreSQL' ? ' over loopback' : ' (no PostgreSQL: a stand-in, not the target)'));
  const rows: string[][] = [];
  for (const [k, measured] of all.get(reference)!.entries()) {
    const cpu = stub[k]!;
    for (let i = 0; i < names.length; i++) {
      const overhead = measured.overhead[i];
      if (!overhead) continue;
      // The layer's CPU per call (stub run) as a share of the bare query here: the noise-free estimate.
      const cpuMicros = i === HAND ? cpu.micros[BARE]! - cpu.micros[HAND]! : cpu.micros[i]! - cpu.micros[i - 1]!;
      const cpuShare = cpuMicros / measured.micros[i === HAND ? HAND : BARE]!;
      rows.push([
        measured.op,
        names[i]!,
        percent(overhead.median),
        `${percent(overhead.q1)}..${percent(overhead.q3)}`,
        `${cpuMicros >= 0 ? '+' : ''}${cpuMicros.toFixed(1)}`,
        percent(cpuShare),
        overhead.median < TARGET ? 'PASS' : 'FAIL',
      ]);
    }
  }
  console.log(table(['op', 'layer', `adds (${reference})`, 'IQR', 'CPU µs (stub)', 'CPU / bare', '<10%'], rows));
  console.log('  PASS/FAIL: measured end to end (adds). CPU µs: the same difference with no database, divided by the bare query above.');
}

await main();

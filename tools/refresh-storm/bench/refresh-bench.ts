// pnpm bench: token requests per second and p99 latency of protected against
// singleflight and naive, with fresh tokens (the fast path: one read, no lock)
// and with expired ones (every round expires every token), at 1, 2 and 4
// replicas. Runs on PostgreSQL when DATABASE_URL is set, else embedded PGlite;
// providers on 127.0.0.1 only. Exit 1 if, on expiry, protected ever made other
// than one provider call per user per round.
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { pino } from 'pino';

import { SYSTEM_ACTOR, asActor, migrateToLatest } from '@coder/database';
import type { Store } from '@coder/database';
import { startOidcProvider } from '@coder/externalauth/testing';
import type { TestOidcProvider } from '@coder/externalauth/testing';
import { obtainAsUser } from '../src/replicas.js';
import { openStormDatabase } from '../src/storm-database.js';
import { MODES, createTokenSource } from '../src/strategies.js';
import type { Mode, TokenSource } from '../src/strategies.js';

const REPLICA_COUNTS = [1, 2, 4];
const FAST = { users: 50, workersPerReplica: 16, windowMs: Number(process.env.BENCH_WINDOW_MS ?? 1_000), repetitions: 3 };
const EXPIRED = { users: 10, buildsPerUser: 20, rounds: 3 };
const logger = pino({ level: 'silent' });

interface Sample {
  requests: number;
  seconds: number;
  latencies: number[];
}

async function main(): Promise<number> {
  const started = performance.now();
  // The full Store stack, as the storm runs it: encryption with a random key, authorization on.
  const database = await openStormDatabase(process.env.DATABASE_URL || undefined, { encryptionKey: randomBytes(32).toString('base64'), logger });
  const op = await startOidcProvider();
  try {
    const outcome = await migrateToLatest(database.driver);
    if (outcome.error) throw outcome.error;
    const { store } = await database.store();
    const stores: Store[] = [];
    for (let i = 0; i < Math.max(...REPLICA_COUNTS); i++) stores.push(await database.replicaStore());
    process.stdout.write(`refresh bench on ${database.driver.kind === 'postgres' ? 'PostgreSQL' : 'embedded PGlite (one session: replicas share it)'}\n`);

    // Fast path: fresh tokens, no provider call at all.
    const fresh = await seed(store, op, FAST.users, new Date(Date.now() + 3_600_000));
    const fastRows: string[][] = [];
    for (const replicas of REPLICA_COUNTS) {
      const sources = Object.fromEntries(MODES.map((mode) => [mode, stores.slice(0, replicas).map((s) => createTokenSource(mode, s, op.providerConfig('oidc'), logger))])) as Record<Mode, TokenSource[]>;
      const samples = Object.fromEntries(MODES.map((mode) => [mode, [] as Sample[]])) as Record<Mode, Sample[]>;
      for (const mode of MODES) await load(sources[mode], fresh, 200); // warm-up
      // Alternate the modes so drift on a busy machine hits them alike.
      for (let rep = 0; rep < FAST.repetitions; rep++) {
        for (const mode of MODES) samples[mode].push(await load(sources[mode], fresh, FAST.windowMs));
      }
      const rps = (mode: Mode) => median(samples[mode].map((s) => s.requests / s.seconds));
      const p99 = (mode: Mode) => percentile(samples[mode].flatMap((s) => s.latencies), 0.99);
      fastRows.push([
        String(replicas),
        ...MODES.map((m) => fmt(rps(m))),
        ratio(rps('protected'), rps('naive')),
        ratio(rps('protected'), rps('singleflight')),
        ...MODES.map((m) => `${p99(m).toFixed(2)}`),
        ratio(p99('protected'), p99('naive')),
      ]);
    }
    process.stdout.write(`\nfast path (fresh tokens): ${FAST.workersPerReplica} callers per replica, median of ${FAST.repetitions} windows of ${FAST.windowMs} ms\n`);
    process.stdout.write(table(['replicas', 'naive req/s', 'singleflight req/s', 'protected req/s', 'protected/naive', 'protected/singleflight', 'naive p99 ms', 'singleflight p99 ms', 'protected p99 ms', 'p99 protected/naive'], fastRows));
    const worst = Math.min(...fastRows.map((r) => Number(r[4])));
    process.stdout.write(`target: protected within 10% of naive on the fast path: ${worst >= 0.9 ? 'met' : 'MISSED'} (worst ratio ${worst.toFixed(2)})\n`);

    // Expired tokens: every round expires every token; each user's builds ask at once.
    const expiredRows: string[][] = [];
    let held = true;
    for (const replicas of REPLICA_COUNTS) {
      const results = {} as Record<Mode, { rps: number; p99: number; calls: number[]; failed: number }>;
      for (const mode of MODES) {
        const sources = stores.slice(0, replicas).map((s) => createTokenSource(mode, s, op.providerConfig('oidc'), logger));
        const latencies: number[] = [];
        const calls: number[] = [];
        let failed = 0;
        let requests = 0;
        let seconds = 0;
        for (let round = 0; round < EXPIRED.rounds; round++) {
          // New users each round: a naive round breaks its links, which must not slow the next.
          const users = await seed(store, op, EXPIRED.users, new Date(Date.now() - 60_000));
          const before = new Map(op.stats.refreshCallsByAccount);
          const t0 = performance.now();
          await Promise.all(
            users.flatMap((user, u) =>
              Array.from({ length: EXPIRED.buildsPerUser }, async (_, b) => {
                const t = performance.now();
                try {
                  await obtainAsUser(sources[(u * EXPIRED.buildsPerUser + b) % replicas]!, 'oidc', user.userId);
                } catch {
                  failed++;
                }
                latencies.push(performance.now() - t);
              }),
            ),
          );
          seconds += (performance.now() - t0) / 1000;
          requests += EXPIRED.users * EXPIRED.buildsPerUser;
          for (const user of users) calls.push((op.stats.refreshCallsByAccount.get(user.account) ?? 0) - (before.get(user.account) ?? 0));
        }
        results[mode] = { rps: requests / seconds, p99: percentile(latencies, 0.99), calls, failed };
      }
      const protectedCalls = results.protected.calls;
      const exact = protectedCalls.every((c) => c === 1) && results.protected.failed === 0;
      held &&= exact;
      const callRange = (m: Mode) => `${Math.min(...results[m].calls)}-${Math.max(...results[m].calls)}`;
      expiredRows.push([
        String(replicas),
        ...MODES.map((m) => fmt(results[m].rps)),
        ratio(results.protected.rps, results.naive.rps),
        ratio(results.protected.rps, results.singleflight.rps),
        ...MODES.map((m) => results[m].p99.toFixed(1)),
        ...MODES.map((m) => `${callRange(m)}${results[m].failed ? ` (${results[m].failed} failed)` : ''}`),
        exact ? 'yes' : 'NO',
      ]);
    }
    process.stdout.write(`\nexpired tokens: ${EXPIRED.users} users × ${EXPIRED.buildsPerUser} concurrent builds × ${EXPIRED.rounds} rounds (provider calls per user per round, min-max)\n`);
    process.stdout.write(table(['replicas', 'naive req/s', 'singleflight req/s', 'protected req/s', 'protected/naive', 'protected/singleflight', 'naive p99 ms', 'singleflight p99 ms', 'protected p99 ms', 'naive calls', 'singleflight calls', 'protected calls', 'one call per user per round'], expiredRows));
    process.stdout.write(`target: exactly one provider call per user per round at every replica count: ${held ? 'met' : 'MISSED'}\n`);
    process.stdout.write(`bench finished in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return held ? 0 : 1;
  } finally {
    await op.close();
    await database.close();
  }
}

/** Users with links to the provider's `oidc`, tokens expiring at `expiry`. */
function seed(store: Store, op: TestOidcProvider, count: number, expiry: Date): Promise<Array<{ userId: string; account: string }>> {
  return asActor(SYSTEM_ACTOR, () => seedAsSystem(store, op, count, expiry));
}

async function seedAsSystem(store: Store, op: TestOidcProvider, count: number, expiry: Date): Promise<Array<{ userId: string; account: string }>> {
  const users = [];
  for (let i = 0; i < count; i++) {
    const userId = randomUUID();
    const account = `bench-${userId.slice(0, 8)}`;
    await store.insertUser({ id: userId, username: account, name: '' });
    const tokens = await op.mintTokens(account);
    const now = new Date();
    await store.insertExternalAuthLink({
      providerId: 'oidc', userId, createdAt: now, updatedAt: now, oauthAccessToken: tokens.accessToken, oauthAccessTokenKeyId: null,
      oauthRefreshToken: tokens.refreshToken, oauthRefreshTokenKeyId: null, oauthExpiry: expiry, oauthExtra: null,
    });
    users.push({ userId, account });
  }
  return users;
}

/** Closed-loop load: every replica runs its callers for `windowMs`, each asking for a random user's token. */
async function load(sources: TokenSource[], users: Array<{ userId: string }>, windowMs: number): Promise<Sample> {
  const latencies: number[] = [];
  const t0 = performance.now();
  const until = t0 + windowMs;
  await Promise.all(
    sources.flatMap((source) =>
      Array.from({ length: FAST.workersPerReplica }, async () => {
        while (performance.now() < until) {
          const user = users[Math.floor(Math.random() * users.length)]!;
          const t = performance.now();
          await obtainAsUser(source, 'oidc', user.userId);
          latencies.push(performance.now() - t);
        }
      }),
    ),
  );
  return { requests: latencies.length, seconds: (performance.now() - t0) / 1000, latencies };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0;
}

const fmt = (n: number) => Math.round(n).toString();
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ') + '\n';
  return line(header) + rows.map(line).join('');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`refresh bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 3;
  },
);

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import pg from 'pg';

import { createSqlStore, migrate, openDriver, redact } from '@coder/database';
import type { Driver, Store } from '@coder/database';
import { InvalidTokenError } from '@coder/externalauth';
import { captureLogs } from '@coder/externalauth/testing';
import { startProvider } from './providers.js';
import type { ProviderKind, StormProvider } from './providers.js';
import { createTokenSource } from './strategies.js';
import type { Mode, TokenSource } from './strategies.js';

export interface StormOptions {
  replicas: number;
  users: number;
  /** Concurrent builds per user per round. */
  builds: number;
  rounds: number;
  modes: readonly Mode[];
  provider: ProviderKind;
  /** A PostgreSQL server; the storm works in a scratch database it creates and drops. Default: embedded PGlite. */
  databaseUrl?: string;
  /** Called after every finished build. */
  onBuild?: () => void;
  /** Called when a mode starts. */
  onMode?: (mode: Mode) => void;
}

export const DEFAULT_STORM: Omit<StormOptions, 'modes' | 'provider'> = { replicas: 3, users: 20, builds: 50, rounds: 3 };

export interface ModeResult {
  mode: Mode;
  provider: ProviderKind;
  replicas: number;
  users: number;
  buildsPerUser: number;
  rounds: number;
  providerRefreshCalls: number;
  expectedRefreshCalls: number;
  buildsOk: number;
  buildsFailed: number;
  /** Of the failed: the user must re-authenticate (InvalidTokenError). */
  buildsFailedInvalidToken: number;
  /** Of the failed: got a token the provider no longer accepts by the end of the round. */
  buildsFailedDeadToken: number;
  /** Of the failed: any other error. */
  buildsFailedOther: number;
  linksNeedingReauth: number;
  familiesRevoked: number;
  p50Ms: number;
  p99Ms: number;
  durationMs: number;
}

export interface StormReport {
  database: { kind: Driver['kind']; location: string };
  /** A git_auth_links row written before the rename migration was found afterwards in external_auth_links. */
  legacyLinkSurvivedRename: boolean;
  modes: ModeResult[];
  /** Token values found in the refreshers' logs (must be 0). */
  tokensInLogs: number;
}

/** Whether a protected run kept every promise: one refresh per user per round, nothing broken. */
export function protectedHeld(result: ModeResult): boolean {
  return result.buildsFailed === 0 && result.linksNeedingReauth === 0 && result.familiesRevoked === 0 && result.providerRefreshCalls === result.expectedRefreshCalls;
}

/**
 * Runs every requested mode, one after another, each on fresh state: a new
 * provider on 127.0.0.1 and new users whose tokens are all expired.
 *
 * @example
 * const report = await runStorm({ ...DEFAULT_STORM, modes: ['protected'], provider: 'oidc' });
 */
export async function runStorm(options: StormOptions): Promise<StormReport> {
  const database = await openStormDatabase(options.databaseUrl);
  const logs = captureLogs('info');
  const seenTokens = new Set<string>();
  try {
    const legacyLinkSurvivedRename = await migrateWithLegacyRow(database.driver);
    const modes: ModeResult[] = [];
    for (const mode of options.modes) {
      options.onMode?.(mode);
      modes.push(await runMode(mode, options, database, logs.logger, seenTokens));
    }
    const text = logs.text();
    const tokensInLogs = [...seenTokens].filter((token) => token && text.includes(token)).length;
    return { database: { kind: database.driver.kind, location: database.location }, legacyLinkSurvivedRename, modes, tokensInLogs };
  } finally {
    await database.close();
  }
}

interface StormDatabase {
  driver: Driver;
  location: string;
  /** One store per replica: separate pools on PostgreSQL, the one PGlite session otherwise. */
  replicaStore(): Promise<Store>;
  close(): Promise<void>;
}

async function openStormDatabase(url: string | undefined): Promise<StormDatabase> {
  const extra: Driver[] = [];
  if (!url) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'refresh-storm-'));
    const driver = await openDriver(path.join(dir, 'pglite'));
    const store = createSqlStore(driver);
    return {
      driver,
      location: `embedded PGlite in ${dir}`,
      replicaStore: async () => store,
      close: async () => {
        await driver.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  // Work in a scratch database so the storm never touches the caller's data.
  const admin = await openDriver(url, { poolSize: 1 });
  const name = `refresh_storm_${randomBytes(5).toString('hex')}`;
  try {
    await admin.pool.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  const driver = await openDriver(scratch.toString());
  return {
    driver,
    location: redact(scratch.toString()),
    replicaStore: async () => {
      const replica = await openDriver(scratch.toString(), { poolSize: 10 });
      extra.push(replica);
      return createSqlStore(replica);
    },
    close: async () => {
      await Promise.all([driver, ...extra].map((d) => d.close()));
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

const LEGACY_USER = '00000000-0000-4000-8000-00000000c0de';

/** Migrates from zero, writing a git_auth_links row before the rename; true when it survived. */
async function migrateWithLegacyRow(driver: Driver): Promise<boolean> {
  const throwIfFailed = (outcome: Awaited<ReturnType<typeof migrate>>) => {
    if (outcome.error) throw outcome.error;
  };
  throwIfFailed(await migrate(driver, { goto: 2 }));
  await driver.pool.query(`INSERT INTO users (id, username) VALUES ($1, 'legacy')`, [LEGACY_USER]);
  await driver.pool.query(
    `INSERT INTO git_auth_links (provider_id, user_id, created_at, updated_at, oauth_access_token, oauth_refresh_token)
     VALUES ('legacy-github', $1, now(), now(), 'legacy-access', 'legacy-refresh')`,
    [LEGACY_USER],
  );
  throwIfFailed(await migrate(driver, { direction: 'up' }));
  const { rows } = await driver.pool.query(`SELECT oauth_refresh_token FROM external_auth_links WHERE provider_id = 'legacy-github'`);
  return rows[0]?.oauth_refresh_token === 'legacy-refresh';
}

async function runMode(mode: Mode, options: StormOptions, database: StormDatabase, logger: ReturnType<typeof captureLogs>['logger'], seen: Set<string>): Promise<ModeResult> {
  const started = performance.now();
  const provider = await startProvider(options.provider);
  try {
    const store = createSqlStore(database.driver);
    await database.driver.pool.query('DELETE FROM users WHERE id <> $1', [LEGACY_USER]);
    const users = await seedUsers(store, provider, options.users, seen);
    const replicas: TokenSource[] = [];
    for (let i = 0; i < options.replicas; i++) {
      replicas.push(createTokenSource(mode, await database.replicaStore(), provider.config, logger.child({ mode, replica: i })));
    }
    const tally = { ok: 0, invalid: 0, dead: 0, other: 0 };
    const latencies: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // Every round starts with every token expired, as if an hour had passed.
      await database.driver.pool.query(`UPDATE external_auth_links SET oauth_expiry = now() - interval '1 minute' WHERE user_id <> $1`, [LEGACY_USER]);
      const builds = users.flatMap((userId, u) =>
        Array.from({ length: options.builds }, async (_, b) => {
          const replica = replicas[(u * options.builds + b) % replicas.length]!;
          const t0 = performance.now();
          try {
            const token = await replica.obtain(provider.config.id, userId);
            latencies.push(performance.now() - t0);
            seen.add(token);
            return { token, error: undefined };
          } catch (error) {
            latencies.push(performance.now() - t0);
            return { token: undefined, error };
          } finally {
            options.onBuild?.();
          }
        }),
      );
      // A build uses its token until the round is over: a token revoked meanwhile fails it.
      for (const result of await Promise.all(builds)) {
        if (result.token !== undefined) {
          if (await provider.isAccessTokenAlive(result.token)) tally.ok++;
          else tally.dead++;
        } else if (result.error instanceof InvalidTokenError) tally.invalid++;
        else tally.other++;
      }
    }
    let linksNeedingReauth = 0;
    for (const userId of users) {
      const link = await store.getExternalAuthLink({ providerId: provider.config.id, userId });
      if (link) seen.add(link.oauthAccessToken).add(link.oauthRefreshToken);
      if (!link || !link.oauthRefreshToken || !(await provider.isRefreshTokenAlive(link.oauthRefreshToken))) linksNeedingReauth++;
    }
    latencies.sort((a, b) => a - b);
    return {
      mode,
      provider: options.provider,
      replicas: options.replicas,
      users: options.users,
      buildsPerUser: options.builds,
      rounds: options.rounds,
      providerRefreshCalls: provider.refreshCalls(),
      expectedRefreshCalls: options.users * options.rounds,
      buildsOk: tally.ok,
      buildsFailed: tally.invalid + tally.dead + tally.other,
      buildsFailedInvalidToken: tally.invalid,
      buildsFailedDeadToken: tally.dead,
      buildsFailedOther: tally.other,
      linksNeedingReauth,
      familiesRevoked: provider.familiesRevoked(),
      p50Ms: round1(percentile(latencies, 0.5)),
      p99Ms: round1(percentile(latencies, 0.99)),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await provider.close();
  }
}

async function seedUsers(store: Store, provider: StormProvider, count: number, seen: Set<string>): Promise<string[]> {
  const users: string[] = [];
  for (let i = 0; i < count; i++) {
    const userId = randomUUID();
    await store.insertUser({ id: userId, username: `storm-${i}-${userId.slice(0, 8)}`, name: `Storm user ${i}` });
    const tokens = await provider.mintTokens(`storm-${i}`);
    seen.add(tokens.accessToken).add(tokens.refreshToken);
    const now = new Date();
    await store.insertExternalAuthLink({
      providerId: provider.config.id,
      userId,
      createdAt: now,
      updatedAt: now,
      oauthAccessToken: tokens.accessToken,
      oauthAccessTokenKeyId: null,
      oauthRefreshToken: tokens.refreshToken,
      oauthRefreshTokenKeyId: null,
      oauthExpiry: new Date(Date.now() - 60_000),
      oauthExtra: null,
    });
    users.push(userId);
  }
  return users;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

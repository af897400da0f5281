import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { SYSTEM_ACTOR, asActor } from '@coder/database';
import type { Driver, Store } from '@coder/database';
import { captureLogs } from '@coder/externalauth/testing';
import { FAULT_TIMING, dropConnections, stallLinks } from './faults.js';
import { startProcessReplicas } from './process-replicas.js';
import { PROVIDER_KINDS, startProvider } from './providers.js';
import type { ProviderKind, StormProvider } from './providers.js';
import { KILL_STEPS, inProcessReplicas } from './replicas.js';
import type { BuildResult, ReplicaConfig, ReplicaEvent, ReplicaSet } from './replicas.js';
import { LEGACY_USER, linksNotEncrypted, migrateWithLegacyRow, openStormDatabase } from './storm-database.js';
import type { StormDatabase, StormStack } from './storm-database.js';
import type { Mode } from './strategies.js';

export interface StormOptions {
  replicas: number;
  users: number;
  /** Concurrent builds per user per round. */
  builds: number;
  rounds: number;
  modes: readonly Mode[];
  /** One provider behaviour, or `all` of them one after another. */
  provider: ProviderKind | 'all';
  /** A PostgreSQL server; the storm works in a scratch database it creates and drops. Default: embedded PGlite. */
  databaseUrl?: string;
  /** Run each replica as its own Node process (needs `databaseUrl`). */
  processes?: boolean;
  /** Inject faults: kill replica processes mid-refresh, drop their connections, stall statements (needs `processes`). */
  faults?: boolean;
  /** Seed for the fault schedule (which replica, when); default: random. */
  seed?: number;
  /** Called after every finished build. */
  onBuild?: () => void;
  /** Called when a mode starts. */
  onMode?: (mode: Mode, provider: ProviderKind) => void;
}

export const DEFAULT_STORM: Omit<StormOptions, 'modes' | 'provider'> = { replicas: 3, users: 20, builds: 50, rounds: 3 };

/**
 * What a run must show, with every deviation either explained by the one
 * unavoidable loss or counted as a violation. A user's round is "lost" when a
 * replica was killed after the provider rotated its token and before it was
 * stored, or its refresh transaction died there (dropped connection): the
 * provider's answer is gone with it, and no client can get it back.
 */
export interface Invariants {
  /** Provider refresh calls per user per round: must be exactly 1 outside lost rounds. */
  refreshCallsPerUserRound: { expected: 1; min: number; max: number; unexplained: number; explainedByLoss: number };
  /** Refresh requests presenting an already presented refresh token (rotating providers; null: the provider does not rotate). */
  refreshTokenReuses: { total: number; unexplained: number } | null;
  /** Links left needing re-authentication at the end of a round. */
  linksNeedingReauth: { total: number; unexplained: number; explainedByLoss: number };
  familiesRevoked: { total: number; unexplained: number };
  /** Failed builds by cause: infrastructure (any error but InvalidTokenError) vs the user must re-authenticate. */
  buildsFailed: {
    infrastructure: { total: number; unexplained: number };
    invalidToken: { total: number; unexplained: number };
    deadToken: { total: number; unexplained: number };
  };
  /**
   * The one loss no client can prevent; counted, never hidden: the refresh
   * lost its replica (killed) or its exclusion (connection dropped) after the
   * provider call went out and before the new tokens were stored.
   */
  unavoidableLoss: {
    /** User rounds hit by it, by cause. */
    events: number;
    byCause: { 'killed-mid-refresh': number; 'connection-lost-mid-refresh': number };
    /** Of those, links that then needed re-authentication (a grace period or a non-rotating provider absorbs the rest). */
    linksLost: number;
  };
  /** Every unexplained count is zero. */
  held: boolean;
}

/** One injected fault kind in one mode: how often, and what it cost. */
export interface FaultResult {
  fault: string;
  injected: number;
  /** Injections that took effect (a kill point reached, connections found to drop). */
  fired: number;
  /** User rounds whose provider answer it lost. */
  lossEvents: number;
  linksLost: number;
  replicasRestarted: number;
  buildsRetried: number;
}

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
  /** Replicas as separate processes. */
  processes: boolean;
  invariants: Invariants;
  /** Faults injected (provider misbehaviour included), per kind. */
  faults: FaultResult[];
}

export interface ProviderSummary {
  provider: ProviderKind;
  /** The protected mode kept every invariant against this provider (true when it did not run). */
  protectedHeld: boolean;
  unavoidableLossEvents: number;
  linksLost: number;
}

export interface StormReport {
  database: { kind: Driver['kind']; location: string };
  /**
   * Tokens encrypted at rest (AES-256-GCM, a random key per run, never
   * printed): every replica, and the storm's own seeding and checks, use the
   * full Store stack (openStore: encryption and authorization on).
   */
  encryption: boolean;
  /** Id of the run's key (a digest, safe to print). */
  encryptionKeyId: string;
  /** Storm links found with a token not encrypted with the run's key at the end of a mode (must be 0). */
  plaintextLinksAtRest: number;
  /** The run's encryption key found in a log of any process (must be false). */
  keyInLogs: boolean;
  /** A git_auth_links row written before the rename migration was found afterwards in external_auth_links. */
  legacyLinkSurvivedRename: boolean;
  modes: ModeResult[];
  /** Token values found in the refreshers' logs, of every process (must be 0). */
  tokensInLogs: number;
  /** Replica processes (0: replicas ran inside the storm's process). */
  processes: number;
  faults: boolean;
  providers: ProviderSummary[];
}

/** Whether a protected run kept every promise: one refresh per user per round, nothing broken beyond the unavoidable loss. */
export function protectedHeld(result: ModeResult): boolean {
  return result.invariants.held;
}

/** Thrown for option combinations that cannot run; the CLI maps it to exit code 2. */
export class StormUsageError extends Error {
  override name = 'StormUsageError';
  readonly code = 'STORM_USAGE';
}

/**
 * Runs every requested mode against every requested provider, one after
 * another, each on fresh state: a new provider on 127.0.0.1 and new users
 * whose tokens are all expired.
 *
 * @example
 * const report = await runStorm({ ...DEFAULT_STORM, modes: ['protected'], provider: 'oidc' });
 */
export async function runStorm(options: StormOptions): Promise<StormReport> {
  if (options.processes && !options.databaseUrl) {
    throw new StormUsageError('--processes needs --database-url: replica processes cannot share an embedded PGlite database (it is one session in one process)');
  }
  if (options.faults && !options.processes) throw new StormUsageError('--faults needs --processes: faults kill replica processes');
  const providers = options.provider === 'all' ? PROVIDER_KINDS : [options.provider];
  const logs = captureLogs('info');
  // A fresh key per run, held in memory only: never printed, passed to replica processes over IPC.
  const encryptionKey = randomBytes(32).toString('base64');
  const database = await openStormDatabase(options.databaseUrl, { encryptionKey, logger: logs.logger });
  const seenTokens = new Set<string>();
  let replicas: (ReplicaSet & { output?(): string }) | undefined;
  try {
    const legacyLinkSurvivedRename = await migrateWithLegacyRow(database.driver);
    // The storm's own stack registers the key (dbcrypt_keys) before any replica starts.
    const stack = await database.store();
    replicas = options.processes
      ? await startProcessReplicas(options.replicas, {
          databaseUrl: database.url!,
          encryptionKey,
          ...(options.faults ? { statementTimeoutMs: FAULT_TIMING.statementTimeoutMs } : {}),
        })
      : inProcessReplicas(options.replicas, database.replicaStore, logs.logger);
    const random = seeded(options.seed ?? Math.floor(Math.random() * 2 ** 31));
    const modes: ModeResult[] = [];
    let plaintextLinksAtRest = 0;
    for (const provider of providers) {
      for (const mode of options.modes) {
        options.onMode?.(mode, provider);
        modes.push(await runMode(mode, provider, options, database, stack, replicas, seenTokens, random));
        plaintextLinksAtRest += await linksNotEncrypted(database.driver, stack.keyId);
      }
    }
    await replicas.close();
    const text = logs.text() + (replicas.output?.() ?? '');
    const tokensInLogs = [...seenTokens].filter((token) => token && text.includes(token)).length;
    return {
      database: { kind: database.driver.kind, location: database.location },
      encryption: true,
      encryptionKeyId: stack.keyId,
      plaintextLinksAtRest,
      keyInLogs: text.includes(encryptionKey),
      legacyLinkSurvivedRename,
      modes,
      tokensInLogs,
      processes: options.processes ? options.replicas : 0,
      faults: Boolean(options.faults),
      providers: providers.map((provider) => {
        const guarded = modes.find((m) => m.provider === provider && m.mode === 'protected');
        return {
          provider,
          protectedHeld: guarded ? guarded.invariants.held : true,
          unavoidableLossEvents: guarded?.invariants.unavoidableLoss.events ?? 0,
          linksLost: guarded?.invariants.unavoidableLoss.linksLost ?? 0,
        };
      }),
    };
  } finally {
    await replicas?.close();
    await database.close();
  }
}

/** The timeouts for a mode: tight ones when faults or the flaky provider must resolve quickly. */
function tuningFor(provider: ProviderKind, options: StormOptions): Omit<ReplicaConfig, 'mode' | 'provider'> {
  if (!options.faults && provider !== 'flaky' && provider !== 'github') return {};
  return { lockTimeoutMs: FAULT_TIMING.lockTimeoutMs, providerTimeoutMs: FAULT_TIMING.providerTimeoutMs, retry: FAULT_TIMING.retry };
}

interface UserRound {
  calls: number;
  reuses: number;
  failedInvalid: number;
  failedDead: number;
  failedOther: number;
  broken: boolean;
  loss: 'killed-mid-refresh' | 'connection-lost-mid-refresh' | undefined;
  /** The injected fault that caused the loss. */
  lossFault: string | undefined;
}

async function runMode(
  mode: Mode,
  kind: ProviderKind,
  options: StormOptions,
  database: StormDatabase,
  stack: StormStack,
  replicas: ReplicaSet,
  seen: Set<string>,
  random: () => number,
): Promise<ModeResult> {
  const started = performance.now();
  const provider = await startProvider(kind);
  try {
    // The storm's own stack: seeding, re-linking and every check run as the system actor
    // (builds run as their user's actor inside the replicas).
    const { store } = stack;
    const asSystem = <T>(fn: () => Promise<T>): Promise<T> => asActor(SYSTEM_ACTOR, fn);
    await database.driver.pool.query('DELETE FROM users WHERE id <> $1', [LEGACY_USER]);
    const users = await asSystem(() => seedUsers(store, provider, options.users, seen));
    await replicas.configure({ mode, provider: provider.config, ...tuningFor(kind, options) });
    const tally = { ok: 0, invalid: 0, dead: 0, other: 0 };
    const latencies: number[] = [];
    const faults = new Map<string, FaultResult>();
    const fault = (name: string): FaultResult => {
      let result = faults.get(name);
      if (!result) faults.set(name, (result = { fault: name, injected: 0, fired: 0, lossEvents: 0, linksLost: 0, replicasRestarted: 0, buildsRetried: 0 }));
      return result;
    };
    const inv = emptyInvariants(provider.rotates);
    let lost = new Set<number>();

    for (let round = 0; round < options.rounds; round++) {
      // Users whose link was lost last round sign in again, as they would be asked to.
      for (const u of lost) await asSystem(() => relink(store, provider, users[u]!, u, seen));
      // Every round starts with every token expired, as if an hour had passed.
      await database.driver.pool.query(`UPDATE external_auth_links SET oauth_expiry = now() - interval '1 minute' WHERE user_id <> $1`, [LEGACY_USER]);
      for (const [name, n] of Object.entries(provider.disturb(FAULT_TIMING.slowProviderMs))) {
        fault(name).injected += n;
        fault(name).fired += n;
      }
      const callsBefore = new Map(provider.refreshCallsByAccount());
      const reusesBefore = new Map(provider.refreshTokenReusesByAccount());
      const familiesBefore = provider.familiesRevoked();
      const restartsBefore = replicas.restarts();

      // Faults of this round: one kill point (in turn), one dropped replica, one stall.
      const pendingFaults: Array<Promise<void>> = [];
      const killStep = KILL_STEPS[round % KILL_STEPS.length]!;
      if (options.faults) {
        if (mode === 'protected') {
          replicas.armKill(Math.floor(random() * replicas.count), killStep);
          fault(`kill ${killStep}`).injected++;
        }
        const dropReplica = Math.floor(random() * replicas.count);
        const dropAfter = Math.floor(random() * 150);
        pendingFaults.push(
          sleep(dropAfter).then(async () => {
            const dropped = await dropConnections(database.driver, dropReplica);
            const result = fault('drop connections');
            result.injected++;
            if (dropped > 0) result.fired++;
          }),
        );
        const stallAfter = 50 + Math.floor(random() * 250);
        pendingFaults.push(
          sleep(stallAfter).then(async () => {
            await stallLinks(database.driver, provider.config.id, users, FAULT_TIMING.stallMs);
            const result = fault('statement timeout');
            result.injected++;
            result.fired++;
          }),
        );
      }

      const builds = users.flatMap((userId, u) =>
        Array.from({ length: options.builds }, async (_, b) => {
          const result = await replicas.obtain((u * options.builds + b) % replicas.count, provider.config.id, userId);
          latencies.push(result.ms);
          if (result.token !== undefined) seen.add(result.token);
          options.onBuild?.();
          return { u, result };
        }),
      );
      const results: Array<{ u: number; result: BuildResult }> = await Promise.all(builds);
      await Promise.all(pendingFaults);
      replicas.disarmKills();

      // Account for the round, user by user.
      const perUser: UserRound[] = users.map(() => ({ calls: 0, reuses: 0, failedInvalid: 0, failedDead: 0, failedOther: 0, broken: false, loss: undefined, lossFault: undefined }));
      const events: ReplicaEvent[] = replicas.drainEvents();
      const index = new Map(users.map((id, u) => [id, u]));
      let killed = 0;
      for (const event of events) {
        if (event.kind === 'killed') {
          killed++;
          for (const userId of event.lost) {
            const u = index.get(userId);
            if (u !== undefined && !perUser[u]!.loss) Object.assign(perUser[u]!, { loss: 'killed-mid-refresh', lossFault: `kill ${event.step}` });
          }
        } else {
          const u = index.get(event.userId);
          if (u !== undefined && !perUser[u]!.loss) Object.assign(perUser[u]!, { loss: 'connection-lost-mid-refresh', lossFault: 'drop connections' });
        }
      }
      if (options.faults && mode === 'protected') {
        const restarts = replicas.restarts();
        const result = fault(`kill ${killStep}`);
        result.fired += killed;
        result.replicasRestarted += restarts.restarts - restartsBefore.restarts;
        result.buildsRetried += restarts.buildsRetried - restartsBefore.buildsRetried;
      }
      // A build uses its token until the round is over: a token revoked meanwhile fails it.
      for (const { u, result } of results) {
        const user = perUser[u]!;
        if (result.token !== undefined && (await provider.isAccessTokenAlive(result.token))) {
          tally.ok++;
        } else if (result.token !== undefined) {
          tally.dead++;
          user.failedDead++;
        } else if (result.error?.name === 'InvalidTokenError') {
          tally.invalid++;
          user.failedInvalid++;
        } else {
          tally.other++;
          user.failedOther++;
        }
      }
      const after = provider.refreshCallsByAccount();
      users.forEach((_, u) => {
        perUser[u]!.calls = (after.get(account(u)) ?? 0) - (callsBefore.get(account(u)) ?? 0);
        perUser[u]!.reuses = (provider.refreshTokenReusesByAccount().get(account(u)) ?? 0) - (reusesBefore.get(account(u)) ?? 0);
      });
      lost = new Set();
      for (const [u, userId] of users.entries()) {
        const link = await asSystem(() => store.getExternalAuthLink({ providerId: provider.config.id, userId }));
        if (link) seen.add(link.oauthAccessToken).add(link.oauthRefreshToken);
        perUser[u]!.broken = !link || !link.oauthRefreshToken || !(await provider.isRefreshTokenAlive(link.oauthRefreshToken));
        if (perUser[u]!.broken && perUser[u]!.loss) lost.add(u);
      }
      accountRound(inv, perUser, provider.familiesRevoked() - familiesBefore, fault);
    }

    let linksNeedingReauth = 0;
    for (const userId of users) {
      const link = await asSystem(() => store.getExternalAuthLink({ providerId: provider.config.id, userId }));
      if (link) seen.add(link.oauthAccessToken).add(link.oauthRefreshToken);
      if (!link || !link.oauthRefreshToken || !(await provider.isRefreshTokenAlive(link.oauthRefreshToken))) linksNeedingReauth++;
    }
    inv.held =
      inv.refreshCallsPerUserRound.unexplained === 0 &&
      (inv.refreshTokenReuses?.unexplained ?? 0) === 0 &&
      inv.linksNeedingReauth.unexplained === 0 &&
      inv.familiesRevoked.unexplained === 0 &&
      inv.buildsFailed.infrastructure.unexplained === 0 &&
      inv.buildsFailed.invalidToken.unexplained === 0 &&
      inv.buildsFailed.deadToken.unexplained === 0;
    latencies.sort((a, b) => a - b);
    return {
      mode,
      provider: kind,
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
      processes: Boolean(options.processes),
      invariants: inv,
      faults: [...faults.values()],
    };
  } finally {
    await provider.close();
  }
}

const account = (u: number) => `storm-${u}`;

function emptyInvariants(rotates: boolean): Invariants {
  return {
    refreshCallsPerUserRound: { expected: 1, min: Number.POSITIVE_INFINITY, max: 0, unexplained: 0, explainedByLoss: 0 },
    refreshTokenReuses: rotates ? { total: 0, unexplained: 0 } : null,
    linksNeedingReauth: { total: 0, unexplained: 0, explainedByLoss: 0 },
    familiesRevoked: { total: 0, unexplained: 0 },
    buildsFailed: { infrastructure: { total: 0, unexplained: 0 }, invalidToken: { total: 0, unexplained: 0 }, deadToken: { total: 0, unexplained: 0 } },
    unavoidableLoss: { events: 0, byCause: { 'killed-mid-refresh': 0, 'connection-lost-mid-refresh': 0 }, linksLost: 0 },
    held: false,
  };
}

/**
 * Adds one round to the invariants. A user whose round was lost (the
 * provider's answer died with a replica or its transaction) may show extra
 * calls, failed builds and a lost link: explained, and counted as the
 * unavoidable loss. Anything else off the mark is unexplained: a violation.
 */
function accountRound(inv: Invariants, perUser: UserRound[], families: number, fault: (name: string) => FaultResult): void {
  let lossUsers = 0;
  const calls = inv.refreshCallsPerUserRound;
  const failed = inv.buildsFailed;
  for (const user of perUser) {
    calls.min = Math.min(calls.min, user.calls);
    calls.max = Math.max(calls.max, user.calls);
    failed.infrastructure.total += user.failedOther;
    failed.invalidToken.total += user.failedInvalid;
    failed.deadToken.total += user.failedDead;
    if (user.broken) inv.linksNeedingReauth.total++;
    if (inv.refreshTokenReuses) inv.refreshTokenReuses.total += user.reuses;
    if (user.loss) {
      lossUsers++;
      inv.unavoidableLoss.events++;
      inv.unavoidableLoss.byCause[user.loss]++;
      const cause = fault(user.lossFault ?? user.loss);
      cause.lossEvents++;
      if (user.broken) {
        inv.unavoidableLoss.linksLost++;
        inv.linksNeedingReauth.explainedByLoss++;
        cause.linksLost++;
      }
      calls.explainedByLoss += Math.max(0, user.calls - 1);
      continue;
    }
    if (user.calls !== 1) calls.unexplained++;
    if (inv.refreshTokenReuses) inv.refreshTokenReuses.unexplained += user.reuses;
    if (user.broken) inv.linksNeedingReauth.unexplained++;
    failed.infrastructure.unexplained += user.failedOther;
    failed.invalidToken.unexplained += user.failedInvalid;
    failed.deadToken.unexplained += user.failedDead;
  }
  inv.familiesRevoked.total += families;
  inv.familiesRevoked.unexplained += Math.max(0, families - lossUsers);
}

async function seedUsers(store: Store, provider: StormProvider, count: number, seen: Set<string>): Promise<string[]> {
  const users: string[] = [];
  for (let i = 0; i < count; i++) {
    const userId = randomUUID();
    await store.insertUser({ id: userId, username: `storm-${i}-${userId.slice(0, 8)}`, name: `Storm user ${i}` });
    const tokens = await provider.mintTokens(account(i));
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

/** The user signs in again after a lost link: fresh tokens from the provider. */
async function relink(store: Store, provider: StormProvider, userId: string, u: number, seen: Set<string>): Promise<void> {
  const tokens = await provider.mintTokens(account(u));
  seen.add(tokens.accessToken).add(tokens.refreshToken);
  await store.updateExternalAuthLink({
    providerId: provider.config.id,
    userId,
    updatedAt: new Date(),
    oauthAccessToken: tokens.accessToken,
    oauthAccessTokenKeyId: null,
    oauthRefreshToken: tokens.refreshToken,
    oauthRefreshTokenKeyId: null,
    oauthExpiry: new Date(Date.now() - 60_000),
    oauthExtra: null,
  });
}

/** mulberry32: a small seeded generator, so a fault schedule can be replayed with --seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

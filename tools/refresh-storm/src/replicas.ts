import { performance } from 'node:perf_hooks';

import type { Logger } from 'pino';

import { asActor } from '@coder/database';
import type { Actor, Store } from '@coder/database';
import { InvalidTokenError } from '@coder/externalauth';
import type { ProviderConfig, RefreshHook, RefreshStep, RetryPolicy } from '@coder/externalauth';
import { createTokenSource } from './strategies.js';
import type { Mode, TokenSource } from './strategies.js';

/** Where a replica process can be killed in the middle of a protected refresh. */
export type KillStep = 'before-provider' | 'after-provider' | 'committed';
export const KILL_STEPS: readonly KillStep[] = ['before-provider', 'after-provider', 'committed'];

/** How the replicas refresh in one storm mode. Plain data: it crosses process boundaries. */
export interface ReplicaConfig {
  mode: Mode;
  provider: ProviderConfig;
  lockTimeoutMs?: number;
  providerTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Milliseconds to wait at each refresh step (interleaving tests); per replica. */
  delays?: Partial<Record<RefreshStep, number>>;
}

/** One build's answer: a token or a serialisable error. Tokens never reach a log. */
export interface BuildResult {
  token?: string;
  error?: { name: string; code?: string; message: string };
  ms: number;
}

/** Something a replica reported that the storm must account for. */
export type ReplicaEvent =
  /**
   * A replica process was killed at `step` of a refresh of `userId` (then
   * restarted); `lost`: the users whose rotated tokens died with it (answered
   * by the provider, not stored yet).
   */
  | { kind: 'killed'; replica: number; step: KillStep; userId: string; lost: string[] }
  /** The refresh transaction failed after the provider was called: its lock went with it (RefreshStep `exclusion-lost`). */
  | { kind: 'connection-lost-mid-refresh'; replica: number; userId: string };

/** A set of server replicas the storm sends builds to. */
export interface ReplicaSet {
  readonly count: number;
  /**
   * Fresh token sources (new refresher state) for the next mode; `perReplica`
   * overrides settings of single replicas (each its own delays, say).
   */
  configure(config: ReplicaConfig, perReplica?: ReadonlyArray<Partial<ReplicaConfig>>): Promise<void>;
  obtain(replica: number, providerId: string, userId: string): Promise<BuildResult>;
  /** Kill replica `replica` the next time one of its refreshes reaches `step` (processes only). */
  armKill(replica: number, step: KillStep): void;
  disarmKills(): void;
  /** Events since the last call. */
  drainEvents(): ReplicaEvent[];
  /** Replicas restarted and builds retried after kills. */
  restarts(): { restarts: number; buildsRetried: number };
  close(): Promise<void>;
}

/**
 * The actor a build runs as: the user whose token it asks for. Replicas call
 * the refresher under it, so the full Store stack lets each build reach only
 * its own user's link (dbauthz), as a server would.
 */
export const userActor = (userId: string): Actor => ({ id: userId, roles: ['member'] });

/** Runs one build's token request as its user's actor. */
export function obtainAsUser(source: TokenSource, providerId: string, userId: string): Promise<string> {
  return asActor(userActor(userId), () => source.obtain(providerId, userId));
}

/** The fault hook a replica installs: waits, reports lost answers, kills itself when armed. */
export function replicaHook(
  config: ReplicaConfig,
  onExclusionLost: (userId: string) => void,
  killAt?: (step: RefreshStep, answer: string | undefined, userId: string) => Promise<void> | undefined,
): RefreshHook {
  return async ({ step, userId, answer }) => {
    const delay = config.delays?.[step];
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    if (step === 'exclusion-lost') onExclusionLost(userId);
    await killAt?.(step, answer, userId);
  };
}

export function toBuildResult(outcome: { token: string } | { error: unknown }, started: number): BuildResult {
  const ms = performance.now() - started;
  if ('token' in outcome) return { token: outcome.token, ms };
  const error = outcome.error;
  const code = (error as { code?: unknown } | null)?.code;
  return {
    ms,
    error: {
      name: error instanceof InvalidTokenError ? 'InvalidTokenError' : error instanceof Error ? error.name : 'Error',
      ...(typeof code === 'string' ? { code } : {}),
      message: error instanceof Error ? error.message : String(error),
    },
  };
}

/**
 * Replicas inside this process (the storm's default): separate refreshers
 * and, on PostgreSQL, separate pools; they share only the database.
 * `replicaStore` gives each replica its store (the storm's: the full stack,
 * encryption and authorization on); every build runs as its user's actor.
 */
export function inProcessReplicas(count: number, replicaStore: () => Promise<Store>, logger: Logger): ReplicaSet {
  let sources: TokenSource[] = [];
  let events: ReplicaEvent[] = [];
  const stores: Store[] = [];
  return {
    count,
    async configure(shared, perReplica) {
      while (stores.length < count) stores.push(await replicaStore());
      sources = stores.map((store, replica) => {
        const config = { ...shared, ...perReplica?.[replica] };
        const hook = replicaHook(config, (userId) => events.push({ kind: 'connection-lost-mid-refresh', replica, userId }));
        return createTokenSource(config.mode, store, config.provider, logger.child({ mode: config.mode, replica }), {
          ...(config.lockTimeoutMs !== undefined ? { lockTimeoutMs: config.lockTimeoutMs } : {}),
          ...(config.providerTimeoutMs !== undefined ? { providerTimeoutMs: config.providerTimeoutMs } : {}),
          ...(config.retry ? { retry: config.retry } : {}),
          hook,
        });
      });
    },
    async obtain(replica, providerId, userId) {
      const started = performance.now();
      try {
        return toBuildResult({ token: await obtainAsUser(sources[replica]!, providerId, userId) }, started);
      } catch (error) {
        return toBuildResult({ error }, started);
      }
    },
    armKill() {
      throw new Error('killing a replica needs --processes');
    },
    disarmKills() {},
    drainEvents() {
      const drained = events;
      events = [];
      return drained;
    },
    restarts: () => ({ restarts: 0, buildsRetried: 0 }),
    async close() {},
  };
}

import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';

import { sqlState } from '@coder/database';
import type { Store } from '@coder/database';
import { ExternalAuthError, InvalidTokenError } from './errors.js';
import type { ProviderClient, RefreshOutcome, RefreshedTokens } from './provider.js';
import type { StoredTokens, TokenLink } from './token-link.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };
/** How long a refresh waits for another replica's refresh of the same link. */
export const DEFAULT_LOCK_TIMEOUT_MS = 20_000;
/** How long one token endpoint call may take. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;

export interface RefreshDeps {
  store: Store;
  provider: ProviderClient;
  logger: Logger;
  retry: RetryPolicy;
  lockTimeoutMs: number;
  providerTimeoutMs: number;
  /** A token expiring within this is treated as expired. */
  expirySkewMs: number;
  /** Fault injection for tests and the refresh storm; see `RefreshHook`. */
  hook?: RefreshHook | undefined;
}

/**
 * The steps of one protected refresh attempt, in order:
 * - `start`: before the transaction (no lock yet);
 * - `locked`: the advisory lock is held, before the re-read;
 * - `before-provider`: the re-read found the token still expired; the provider is called next;
 * - `after-provider`: the provider answered (any outcome); nothing written yet;
 * - `written`: the optimistic write ran; the transaction is not committed yet;
 * - `committed`: the transaction committed (the new tokens are durable);
 * - `exclusion-lost`: an event, not a point to stall: the transaction failed (connection
 *   dropped, statement timeout) after the provider was called. Its lock went with it, maybe
 *   while the call was in flight, so another replica may have used the same refresh token;
 *   new tokens in the answer are then stored outside the lock (optimistically).
 */
export type RefreshStep = 'start' | 'locked' | 'before-provider' | 'after-provider' | 'written' | 'committed' | 'exclusion-lost';
export const REFRESH_STEPS: readonly RefreshStep[] = ['start', 'locked', 'before-provider', 'after-provider', 'written', 'committed', 'exclusion-lost'];

export interface RefreshHookContext {
  step: RefreshStep;
  providerId: string;
  userId: string;
  kind: TokenLink['label']['kind'];
  /** 1 for the first attempt of this refresh. */
  attempt: number;
  /** At `after-provider`: how the provider answered. */
  answer?: RefreshOutcome['kind'];
}

/**
 * Test-only fault injection: awaited at every step of a protected refresh.
 * It may delay (random interleavings), throw (the attempt fails like any error
 * at that point) or end the process (a replica killed mid-refresh). Unset, the
 * refresh behaves exactly as without it. Never receives a token.
 *
 * @example
 * new TokenRefresher(store, { providers, hook: async ({ step }) => { if (step === 'after-provider') process.kill(process.pid, 'SIGKILL'); } });
 */
export type RefreshHook = (context: RefreshHookContext) => void | Promise<void>;

/** Expired (or expiring within `skewMs`)? A link without expiry never expires. */
export function isExpired(tokens: Pick<StoredTokens, 'expiry'>, skewMs: number, now = Date.now()): boolean {
  return tokens.expiry !== null && tokens.expiry.getTime() - skewMs <= now;
}

type TxOutcome =
  | { kind: 'current'; tokens: StoredTokens }
  | { kind: 'refreshed'; tokens: StoredTokens }
  | { kind: 'missing' }
  | { kind: 'no-refresh-token'; reason: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'retry-changed' }
  | (Extract<RefreshOutcome, { kind: 'transient' }> & { code: TransientCode })
  | Extract<RefreshOutcome, { kind: 'error' }>;

/** The error a refresh ends with when every attempt failed transiently, by the last cause. */
type TransientCode = 'OAUTH_LOCK_TIMEOUT' | 'OAUTH_DATABASE_UNAVAILABLE' | 'OAUTH_PROVIDER_UNAVAILABLE';

/**
 * Refreshes one link's token with every protection listed in the README
 * ("@coder/externalauth" and "What is guaranteed"): a PostgreSQL advisory lock held across re-read, provider call and
 * write (so replicas never spend one refresh token twice, and waiters read the
 * winner's result instead of calling the provider); a re-read inside the lock;
 * optimistic writes; a rejected token cleared only if it is still the one
 * stored; transient failures retried with backoff and never clearing anything.
 *
 * `seen` is what the caller read before deciding to refresh: if the row holds
 * a different access token by the time the lock is ours, another replica won.
 */
export async function refreshLink(link: TokenLink, seen: StoredTokens, deps: RefreshDeps): Promise<StoredTokens> {
  const { logger, retry } = deps;
  const log = logger.child(link.label);
  let last: { code: TransientCode; reason: string } = { code: 'OAUTH_PROVIDER_UNAVAILABLE', reason: 'the stored token kept changing during the refresh' };
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    const started = performance.now();
    const outcome = await refreshOnce(link, seen, deps, attempt);
    switch (outcome.kind) {
      case 'current':
        log.debug({ attempt }, 'token already refreshed by another caller');
        return outcome.tokens;
      case 'refreshed':
        log.info({ attempt, durationMs: Math.round(performance.now() - started) }, 'token refreshed');
        return outcome.tokens;
      case 'missing':
        throw linkMissing(link);
      case 'no-refresh-token':
        throw noRefreshToken(link, outcome.reason);
      case 'rejected':
        log.warn({ reason: outcome.reason }, 'provider rejected the refresh token; the user must re-authenticate');
        throw new InvalidTokenError(
          'OAUTH_REFRESH_REJECTED',
          link.label.providerId,
          `provider ${link.label.providerId} rejected the refresh token (${outcome.reason}): the user must re-authenticate`,
        );
      case 'retry-changed':
        // Someone replaced the token we were refreshing (a new sign-in): use theirs.
        seen = (await link.read(deps.store)) ?? seen;
        if (!isExpired(seen, 0)) return seen;
        continue;
      case 'error':
        throw new ExternalAuthError('OAUTH_PROVIDER_ERROR', `refresh with provider ${link.label.providerId} failed: ${outcome.reason}`, { cause: outcome.cause });
      case 'transient': {
        last = outcome;
        if (attempt === retry.attempts) break;
        const delay = backoff(retry, attempt, outcome.retryAfterMs);
        log.warn({ attempt, reason: outcome.reason, retryInMs: delay }, 'transient refresh failure; retrying');
        await sleep(delay);
        continue;
      }
    }
  }
  log.error({ attempts: retry.attempts, reason: last.reason }, 'refresh failed after every retry; the token was left as it was');
  throw new ExternalAuthError(last.code, `refresh with provider ${link.label.providerId} failed ${retry.attempts} times: ${last.reason}`);
}

async function refreshOnce(link: TokenLink, seen: StoredTokens, deps: RefreshDeps, attempt: number): Promise<TxOutcome> {
  const hook = deps.hook;
  const at = hook
    ? (step: RefreshStep, answer?: RefreshOutcome['kind']) =>
        hook({ step, providerId: link.label.providerId, userId: link.label.userId, kind: link.label.kind, attempt, ...(answer ? { answer } : {}) })
    : undefined;
  // What the provider handed out in this attempt, until it is stored: the old refresh token is spent.
  let unsaved: { old: string; tokens: RefreshedTokens } | undefined;
  let calledProvider = false;
  try {
    await at?.('start');
    const outcome = await deps.store.inTx(
      async (tx): Promise<TxOutcome> => {
        await tx.acquireRefreshLock({ lockKey: link.lockKey });
        await at?.('locked');
        const current = await link.read(tx);
        if (!current) return { kind: 'missing' };
        const changed = current.accessToken !== seen.accessToken;
        if (!isExpired(current, changed ? 0 : deps.expirySkewMs)) return { kind: 'current', tokens: current };
        if (!current.refreshToken) return { kind: 'no-refresh-token', reason: current.failureReason };

        await at?.('before-provider');
        calledProvider = true;
        const answer = await deps.provider.refresh(current.refreshToken, AbortSignal.timeout(deps.providerTimeoutMs));
        if (answer.kind === 'refreshed') unsaved = { old: current.refreshToken, tokens: answer.tokens };
        await at?.('after-provider', answer.kind);
        if (answer.kind === 'refreshed') {
          // Save before validating: the old refresh token is already spent.
          const tokens = { ...answer.tokens, failureReason: '' };
          const rows = await link.saveRefreshed(tx, current.refreshToken, answer.tokens);
          await at?.('written');
          return rows === 1 ? { kind: 'refreshed', tokens } : { kind: 'retry-changed' };
        }
        if (answer.kind === 'rejected') {
          const rows = await link.giveUp(tx, current.refreshToken, answer.reason);
          await at?.('written');
          return rows === 1 ? { kind: 'rejected', reason: answer.reason } : { kind: 'retry-changed' };
        }
        return answer.kind === 'transient' ? { ...answer, code: 'OAUTH_PROVIDER_UNAVAILABLE' } : answer;
      },
      { txId: 'externalauth_refresh', lockTimeoutMs: deps.lockTimeoutMs },
    );
    unsaved = undefined;
    calledProvider = false;
    if (outcome.kind === 'refreshed') await at?.('committed');
    return outcome;
  } catch (error) {
    if (calledProvider) await at?.('exclusion-lost');
    if (unsaved) {
      // The provider rotated the token but the transaction died (dropped connection, statement
      // timeout): the exclusion is gone, so store the answer at once, still optimistically.
      return rescue(link, unsaved.old, unsaved.tokens, deps, error);
    }
    const transient = transientDatabaseReason(error);
    if (transient) return { kind: 'transient', reason: transient, code: sqlState(error) === '55P03' ? 'OAUTH_LOCK_TIMEOUT' : 'OAUTH_DATABASE_UNAVAILABLE' };
    throw error;
  }
}

/**
 * Stores tokens the provider issued after their transaction failed. Without
 * this they would be lost with the old refresh token already spent. Writes
 * only over the token that was exchanged (optimistic), so it can never undo a
 * newer refresh; a few quick tries, since another replica may take the lock
 * and spend the old token meanwhile.
 */
async function rescue(link: TokenLink, oldRefreshToken: string, tokens: RefreshedTokens, deps: RefreshDeps, original: unknown): Promise<TxOutcome> {
  const log = deps.logger.child(link.label);
  for (let attempt = 1; attempt <= RESCUE_ATTEMPTS; attempt++) {
    try {
      const rows = await link.saveRefreshed(deps.store, oldRefreshToken, tokens);
      log.warn({ attempt, reason: transientDatabaseReason(original) ?? message(original) }, 'stored refreshed token after its transaction failed');
      return rows === 1 ? { kind: 'refreshed', tokens: { ...tokens, failureReason: '' } } : { kind: 'retry-changed' };
    } catch (error) {
      if (!transientDatabaseReason(error) || attempt === RESCUE_ATTEMPTS) {
        log.error({ reason: message(error) }, 'a refreshed token could not be stored: the link may need re-authentication');
        throw new ExternalAuthError('OAUTH_STORE_FAILED', `provider ${link.label.providerId} refreshed the token but it could not be stored: ${message(error)}`, { cause: error });
      }
      await sleep(25 * attempt);
    }
  }
  throw new Error('unreachable');
}

const RESCUE_ATTEMPTS = 8;

/** SQLSTATEs that say nothing about the data: worth another attempt. */
const TRANSIENT_STATES = new Map<string, string>([
  ['55P03', 'lock timeout: another replica is still refreshing this token'],
  ['40001', 'database conflict (40001)'],
  ['40P01', 'database conflict (40P01)'],
  ['57014', 'a database statement exceeded its timeout (57014)'],
  ['57P01', 'the database connection was terminated (57P01)'],
  ['57P02', 'the database connection was terminated (57P02)'],
  ['57P03', 'the database cannot accept connections yet (57P03)'],
  ['53300', 'too many database connections (53300)'],
]);

/** Why a database error is transient (lock timeout, conflict, statement timeout, lost connection), or undefined. */
export function transientDatabaseReason(error: unknown): string | undefined {
  const state = sqlState(error);
  if (state) return TRANSIENT_STATES.get(state) ?? (state.startsWith('08') ? `database connection failure (${state})` : undefined);
  // pg reports a connection that died under a query without a SQLSTATE.
  const text = message(error);
  if (/Connection terminated|connection timeout|ECONNRESET|ECONNREFUSED|EPIPE|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(text)) {
    return `database connection failure (${text.slice(0, 80)})`;
  }
  return undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs a read outside the exclusion, retrying transient database failures
 * (statement timeout, dropped connection) with the refresh's backoff.
 */
export async function withDatabaseRetry<T>(read: () => Promise<T>, retry: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const reason = transientDatabaseReason(error);
      if (!reason || attempt >= retry.attempts) {
        if (reason) throw new ExternalAuthError('OAUTH_DATABASE_UNAVAILABLE', `reading the token failed ${attempt} times: ${reason}`, { cause: error });
        throw error;
      }
      await sleep(backoff(retry, attempt, undefined));
    }
  }
}

export function linkMissing(link: TokenLink): InvalidTokenError {
  return new InvalidTokenError('OAUTH_LINK_MISSING', link.label.providerId, `no ${link.label.kind} for provider ${link.label.providerId}: the user must authenticate`);
}

export function noRefreshToken(link: TokenLink, reason: string): InvalidTokenError {
  return new InvalidTokenError(
    reason ? 'OAUTH_REFRESH_REJECTED' : 'OAUTH_REFRESH_TOKEN_MISSING',
    link.label.providerId,
    reason
      ? `the refresh token for provider ${link.label.providerId} was rejected earlier (${reason}): the user must re-authenticate`
      : `the token for provider ${link.label.providerId} expired and there is no refresh token: the user must re-authenticate`,
  );
}

function backoff(retry: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, retry.maxDelayMs);
  const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter keeps replicas that failed together from retrying together.
  return Math.round(exponential / 2 + Math.random() * (exponential / 2));
}

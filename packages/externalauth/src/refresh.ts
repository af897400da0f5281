import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';

import { sqlState } from '@coder/database';
import type { Store } from '@coder/database';
import { ExternalAuthError, InvalidTokenError } from './errors.js';
import type { ProviderClient, RefreshOutcome } from './provider.js';
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
}

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
  | Extract<RefreshOutcome, { kind: 'transient' | 'error' }>;

/**
 * Refreshes one link's token with every protection in DESIGN.md "Token
 * refresh": a PostgreSQL advisory lock held across re-read, provider call and
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
  let lastReason = '';
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    const started = performance.now();
    const outcome = await refreshOnce(link, seen, deps);
    switch (outcome.kind) {
      case 'current':
        log.debug({ attempt }, 'token already refreshed by another caller');
        return outcome.tokens;
      case 'refreshed':
        log.info({ attempt, durationMs: Math.round(performance.now() - started) }, 'token refreshed');
        return outcome.tokens;
      case 'missing':
        throw new InvalidTokenError('OAUTH_LINK_MISSING', link.label.providerId, `no ${link.label.kind} for provider ${link.label.providerId}: the user must authenticate`);
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
        lastReason = outcome.reason;
        if (attempt === retry.attempts) break;
        const delay = backoff(retry, attempt, outcome.retryAfterMs);
        log.warn({ attempt, reason: outcome.reason, retryInMs: delay }, 'transient refresh failure; retrying');
        await sleep(delay);
        continue;
      }
    }
  }
  const code = lastReason.startsWith('lock') ? 'OAUTH_LOCK_TIMEOUT' : 'OAUTH_PROVIDER_UNAVAILABLE';
  log.error({ attempts: retry.attempts, reason: lastReason }, 'refresh failed after every retry; the token was left as it was');
  throw new ExternalAuthError(code, `refresh with provider ${link.label.providerId} failed ${retry.attempts} times: ${lastReason}`);
}

async function refreshOnce(link: TokenLink, seen: StoredTokens, deps: RefreshDeps): Promise<TxOutcome> {
  try {
    return await deps.store.inTx(
      async (tx): Promise<TxOutcome> => {
        await tx.acquireRefreshLock({ lockKey: link.lockKey });
        const current = await link.read(tx);
        if (!current) return { kind: 'missing' };
        const changed = current.accessToken !== seen.accessToken;
        if (!isExpired(current, changed ? 0 : deps.expirySkewMs)) return { kind: 'current', tokens: current };
        if (!current.refreshToken) return { kind: 'no-refresh-token', reason: current.failureReason };

        const answer = await deps.provider.refresh(current.refreshToken, AbortSignal.timeout(deps.providerTimeoutMs));
        if (answer.kind === 'refreshed') {
          // Save before validating: the old refresh token is already spent.
          const tokens = { ...answer.tokens, failureReason: '' };
          const rows = await link.saveRefreshed(tx, current.refreshToken, answer.tokens);
          return rows === 1 ? { kind: 'refreshed', tokens } : { kind: 'retry-changed' };
        }
        if (answer.kind === 'rejected') {
          const rows = await link.giveUp(tx, current.refreshToken, answer.reason);
          return rows === 1 ? { kind: 'rejected', reason: answer.reason } : { kind: 'retry-changed' };
        }
        return answer;
      },
      { txId: 'externalauth_refresh', lockTimeoutMs: deps.lockTimeoutMs },
    );
  } catch (error) {
    // 55P03: lock_timeout while another replica refreshes; 40001/40P01: conflicts. All worth another try.
    const state = sqlState(error);
    if (state === '55P03') return { kind: 'transient', reason: 'lock timeout: another replica is still refreshing this token' };
    if (state === '40001' || state === '40P01') return { kind: 'transient', reason: `database conflict (${state})` };
    throw error;
  }
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

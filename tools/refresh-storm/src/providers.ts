import type { ProviderConfig } from '@coder/externalauth';
import { startGitHubProvider, startOidcProvider } from '@coder/externalauth/testing';
import type { TokenEndpointFault } from '@coder/externalauth/testing';

/**
 * The provider behaviours the storm runs against, all on 127.0.0.1:
 * - `oidc`: oidc-provider, rotation on, reuse of a rotated token revokes the family;
 * - `grace`: rotation with a reuse grace period (Auth0, Okta): a reuse within it rotates again;
 * - `static`: no rotation, the response carries no new refresh token (Google);
 * - `github`: HTTP 200 with `error=bad_refresh_token`, the old access token dies at once,
 *   and 403 with rate-limit headers now and then;
 * - `flaky`: `oidc` plus 5xx bursts, 429 with Retry-After, connection resets and a token
 *   endpoint slower than the refresh lock's timeout.
 */
export type ProviderKind = 'oidc' | 'grace' | 'static' | 'github' | 'flaky';
export const PROVIDER_KINDS: readonly ProviderKind[] = ['oidc', 'grace', 'static', 'github', 'flaky'];

/** Seconds a rotated refresh token stays usable at the `grace` provider. */
export const GRACE_SECONDS = 5;

/** The storm's view of a provider running on 127.0.0.1. */
export interface StormProvider {
  readonly kind: ProviderKind;
  readonly config: ProviderConfig;
  /** Whether a refresh spends the refresh token (a second use of it is a reuse). */
  readonly rotates: boolean;
  mintTokens(account: string): Promise<{ accessToken: string; refreshToken: string }>;
  refreshCalls(): number;
  /** Refresh calls per account (the `account` given to `mintTokens`). */
  refreshCallsByAccount(): ReadonlyMap<string, number>;
  /** Refresh requests that presented a refresh token already presented before. */
  refreshTokenReuses(): number;
  refreshTokenReusesByAccount(): ReadonlyMap<string, number>;
  familiesRevoked(): number;
  isRefreshTokenAlive(token: string): Promise<boolean>;
  isAccessTokenAlive(token: string): Promise<boolean>;
  /**
   * Queues this round's misbehaviour at the token endpoint (rate limits,
   * outages, a slow answer); returns how many faults of each kind.
   * `slowMs`: how long the slow answer takes (longer than the lock timeout).
   */
  disturb(slowMs: number): Record<string, number>;
  close(): Promise<void>;
}

/**
 * Starts a fresh provider of `kind` on 127.0.0.1.
 *
 * @example
 * const provider = await startProvider('grace');
 * try { ... } finally { await provider.close(); }
 */
export async function startProvider(kind: ProviderKind): Promise<StormProvider> {
  if (kind === 'github') {
    const gh = await startGitHubProvider();
    return {
      kind,
      config: gh.providerConfig('github'),
      rotates: true,
      mintTokens: async (account) => gh.mintTokens(account),
      refreshCalls: () => gh.stats.refreshCalls,
      refreshCallsByAccount: () => gh.stats.refreshCallsByLogin,
      refreshTokenReuses: () => gh.stats.refreshTokenReuses,
      refreshTokenReusesByAccount: () => gh.stats.refreshTokenReusesByLogin,
      // GitHub does not revoke token families; its failure is the wiped link.
      familiesRevoked: () => 0,
      isRefreshTokenAlive: async (token) => gh.isRefreshTokenAlive(token),
      isAccessTokenAlive: async (token) => gh.isAccessTokenAlive(token),
      disturb() {
        // GitHub's secondary rate limit: 403 with the reset time a second away.
        const limited: TokenEndpointFault = {
          kind: 'status',
          status: 403,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) },
        };
        gh.injectFaults(limited, limited);
        return { 'HTTP 403 rate limit': 2 };
      },
      close: () => gh.close(),
    };
  }
  const op = await startOidcProvider({
    rotateRefreshToken: kind !== 'static',
    ...(kind === 'grace' ? { reuseGraceSeconds: GRACE_SECONDS } : {}),
  });
  return {
    kind,
    config: op.providerConfig(kind),
    rotates: kind !== 'static',
    mintTokens: (account) => op.mintTokens(account),
    refreshCalls: () => op.stats.refreshCalls,
    refreshCallsByAccount: () => op.stats.refreshCallsByAccount,
    refreshTokenReuses: () => op.stats.refreshTokenReuses,
    refreshTokenReusesByAccount: () => op.stats.refreshTokenReusesByAccount,
    familiesRevoked: () => op.stats.familiesRevoked,
    isRefreshTokenAlive: (token) => op.isRefreshTokenAlive(token),
    isAccessTokenAlive: (token) => op.isAccessTokenAlive(token),
    disturb(slowMs): Record<string, number> {
      if (kind !== 'flaky') return {};
      // Faults apply to the next token requests in this order, one each.
      op.injectFaults(
        { kind: 'status', status: 503 },
        { kind: 'status', status: 502 },
        { kind: 'status', status: 500 },
        { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
        { kind: 'reset' },
        { kind: 'delay', ms: slowMs },
        { kind: 'status', status: 503 },
      );
      return { 'HTTP 5xx': 4, 'HTTP 429 Retry-After': 1, 'connection reset': 1, 'slower than the lock timeout': 1 };
    },
    close: () => op.close(),
  };
}

import { pino } from 'pino';
import type { Logger } from 'pino';

import type { Store } from '@coder/database';
import { ExternalAuthError, InvalidTokenError } from './errors.js';
import { createProviderClient } from './provider.js';
import type { ProviderClient, ProviderConfig } from './provider.js';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_PROVIDER_TIMEOUT_MS, DEFAULT_RETRY, isExpired, noRefreshToken, refreshLink, withDatabaseRetry } from './refresh.js';
import type { RefreshDeps, RefreshHook, RetryPolicy } from './refresh.js';
import { SingleFlight } from './single-flight.js';
import { externalAuthLink, userLoginLink } from './token-link.js';
import type { StoredTokens, TokenLink } from './token-link.js';

/** External tokens expiring within this are refreshed. */
export const DEFAULT_EXPIRY_SKEW_MS = 10_000;
/** The user's OIDC login token is refreshed this long before it expires. */
export const DEFAULT_LOGIN_REFRESH_BEFORE_MS = 10 * 60_000;

export interface TokenRefresherOptions {
  /** External auth providers, by id. */
  providers: ProviderConfig[];
  /** The OIDC provider users sign in with (their `user_links` row). */
  loginProvider?: ProviderConfig;
  /** pino logger; default: silent. Tokens are never logged. */
  logger?: Logger;
  expirySkewMs?: number;
  loginRefreshBeforeMs?: number;
  lockTimeoutMs?: number;
  providerTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /**
   * Fault injection for tests and the refresh storm only: awaited at each step
   * of a protected refresh (see `RefreshStep`). Leave unset in production.
   */
  hook?: RefreshHook;
}

export interface ObtainOptions {
  /** Gives up waiting; the shared refresh goes on for the other callers. */
  signal?: AbortSignal;
}

/**
 * Gives every caller a valid access token for (provider, user), refreshing it
 * at most once per expiry however many callers, processes and replicas ask at
 * once. One instance per process; replicas share only the database.
 *
 * @example
 * const refresher = new TokenRefresher(store, { providers: [github] });
 * try {
 *   const token = await refresher.obtainAccessToken('github', userId, { signal });
 * } catch (e) {
 *   if (e instanceof InvalidTokenError) skipProvider(e.providerId); // the user must sign in again
 *   else throw e;                                                   // infrastructure: fail the build
 * }
 */
export class TokenRefresher {
  readonly #providers = new Map<string, ProviderClient>();
  readonly #login: ProviderClient | undefined;
  readonly #flights = new SingleFlight<StoredTokens>();
  readonly #deps: Omit<RefreshDeps, 'provider'>;
  readonly #loginRefreshBeforeMs: number;

  constructor(store: Store, options: TokenRefresherOptions) {
    for (const config of options.providers) {
      if (this.#providers.has(config.id)) throw new ExternalAuthError('OAUTH_CONFIG_INVALID', `provider id ${config.id} is configured twice`);
      this.#providers.set(config.id, createProviderClient(config));
    }
    this.#login = options.loginProvider && createProviderClient(options.loginProvider);
    this.#loginRefreshBeforeMs = options.loginRefreshBeforeMs ?? DEFAULT_LOGIN_REFRESH_BEFORE_MS;
    this.#deps = {
      store,
      logger: options.logger ?? pino({ level: 'silent' }),
      retry: { ...DEFAULT_RETRY, ...options.retry },
      lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      providerTimeoutMs: options.providerTimeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
      expirySkewMs: options.expirySkewMs ?? DEFAULT_EXPIRY_SKEW_MS,
      hook: options.hook,
    };
  }

  /**
   * A valid access token for the user's link to `providerId`. Throws
   * `InvalidTokenError` when the user must re-authenticate, `ExternalAuthError`
   * for everything else.
   */
  async obtainAccessToken(providerId: string, userId: string, options: ObtainOptions = {}): Promise<string> {
    const provider = this.#providers.get(providerId);
    if (!provider) {
      throw new ExternalAuthError('OAUTH_PROVIDER_UNKNOWN', `no external auth provider with id ${JSON.stringify(providerId)} (configured: ${[...this.#providers.keys()].join(', ') || 'none'})`);
    }
    const link = externalAuthLink(providerId, userId);
    const tokens = await this.#obtain(link, provider, this.#deps.expirySkewMs, options);
    return tokens.accessToken;
  }

  /**
   * The user's OIDC login access token, refreshed 10 minutes before it
   * expires. Never fails a build: any failure gives '' and a logged warning.
   */
  async obtainOIDCAccessToken(userId: string, options: ObtainOptions = {}): Promise<string> {
    if (!this.#login) return '';
    const link = userLoginLink(this.#login.config.id, userId);
    try {
      const tokens = await this.#obtain(link, this.#login, this.#loginRefreshBeforeMs, options);
      return tokens.accessToken;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      this.#deps.logger.warn(
        { ...link.label, code: (error as { code?: unknown }).code, err: error instanceof InvalidTokenError ? undefined : error },
        'could not obtain the user\'s OIDC token; continuing without it',
      );
      return '';
    }
  }

  async #obtain(link: TokenLink, provider: ProviderClient, skewMs: number, options: ObtainOptions): Promise<StoredTokens> {
    options.signal?.throwIfAborted();
    const seen = await withDatabaseRetry(() => link.read(this.#deps.store), this.#deps.retry);
    if (!seen) {
      throw new InvalidTokenError('OAUTH_LINK_MISSING', link.label.providerId, `no ${link.label.kind} for provider ${link.label.providerId}: the user must authenticate`);
    }
    // Fast path: no lock, no provider.
    if (!isExpired(seen, skewMs)) return seen;
    if (provider.config.noRefresh) return seen;
    if (!seen.refreshToken) throw noRefreshToken(link, seen.failureReason);
    const deps = { ...this.#deps, provider, expirySkewMs: skewMs };
    return this.#flights.do(link.lockKey, () => this.#refreshAndValidate(link, seen, deps), options);
  }

  async #refreshAndValidate(link: TokenLink, seen: StoredTokens, deps: RefreshDeps): Promise<StoredTokens> {
    const tokens = await refreshLink(link, seen, deps);
    if (tokens.accessToken === seen.accessToken) return tokens;
    const valid = await deps.provider.validate(tokens.accessToken, AbortSignal.timeout(deps.providerTimeoutMs));
    if (valid === false) {
      throw new InvalidTokenError('OAUTH_TOKEN_INVALID', link.label.providerId, `provider ${link.label.providerId} rejected the refreshed access token: the user must re-authenticate`);
    }
    return tokens;
  }
}

import { pino } from 'pino';
import type { Logger } from 'pino';

import { DatabaseError, SYSTEM_ACTOR, SYSTEM_ROLE, asActor, currentActor } from '@coder/database';
import type { Store } from '@coder/database';
import { ExternalAuthError, InvalidTokenError } from './errors.js';
import { createProviderClient } from './provider.js';
import type { ProviderClient, ProviderConfig } from './provider.js';
import { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_PROVIDER_TIMEOUT_MS, DEFAULT_RETRY, isExpired, linkMissing, noRefreshToken, refreshLink, withDatabaseRetry } from './refresh.js';
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
   *
   * Runs as the caller's actor (`asActor` of `@coder/database`): a user's
   * actor obtains only their own link's token. Another user's link is refused
   * by the store (`DatabaseError` `DB_NOT_AUTHORIZED`; no actor at all:
   * `DB_NO_ACTOR`), an infrastructure error, never an `InvalidTokenError`: a
   * build must fail, not silently skip the provider.
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
   * The caller must be the system or the user themself (else `DatabaseError`
   * `DB_NO_ACTOR` / `DB_NOT_AUTHORIZED`, thrown: a caller's bug, not a token
   * problem); the database work then runs as the system (see below).
   */
  async obtainOIDCAccessToken(userId: string, options: ObtainOptions = {}): Promise<string> {
    if (!this.#login) return '';
    const caller = currentActor();
    if (!caller) {
      throw new DatabaseError('DB_NO_ACTOR', 'obtainOIDCAccessToken: no actor in context; wrap the call in asActor(actor, fn) (SYSTEM_ACTOR for background work)');
    }
    if (!caller.roles.includes(SYSTEM_ROLE) && caller.id !== userId) {
      throw new DatabaseError('DB_NOT_AUTHORIZED', `obtainOIDCAccessToken: actor ${caller.id} may not obtain the login token of user ${userId}`);
    }
    const login = this.#login;
    const link = userLoginLink(login.config.id, userId);
    try {
      // The login link (user_links) is the platform's own row: only the system
      // actor may read or refresh it. The refresher does this on the user's
      // behalf, for this one user's row only, and hands back just the access
      // token (coder's AsSystemRestricted): so its database work runs as
      // SYSTEM_ACTOR whatever the caller's actor is.
      const tokens = await asActor(SYSTEM_ACTOR, () => this.#obtain(link, login, this.#loginRefreshBeforeMs, options));
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
      throw linkMissing(link);
    }
    // Fast path: no lock, no provider.
    if (!isExpired(seen, skewMs)) return seen;
    if (provider.config.noRefresh) return seen;
    if (!seen.refreshToken) throw noRefreshToken(link, seen.failureReason);
    const deps = { ...this.#deps, provider, expirySkewMs: skewMs };
    // The shared refresh runs in the async context (so as the actor) of the
    // caller that started it; later callers only await its result. That is
    // right: the flight key is the link's lock key, so every caller of one
    // flight asks for the same link (one provider, one user; external links and
    // login links have distinct keys), and every caller has just passed its own
    // authorized read of that link above, so whoever starts the flight may read
    // and write that link (the owner rule is the same for reads and writes; the
    // login link always runs as SYSTEM_ACTOR). A caller not allowed the link
    // fails at that read and never joins, let alone starts, a flight.
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

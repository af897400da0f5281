import * as oauth from 'oauth4webapi';

import { ExternalAuthError } from './errors.js';

export type ProviderType = 'oidc' | 'oauth2' | 'github';

/**
 * One external OAuth2/OIDC provider.
 *
 * @example
 * const github: ProviderConfig = { id: 'github', type: 'github', clientId: 'Iv1.x', clientSecret: process.env.GH_SECRET! };
 * const okta: ProviderConfig = { id: 'okta', type: 'oidc', clientId: 'app', clientSecret: 's', issuer: 'https://example.okta.com' };
 */
export interface ProviderConfig {
  /** The id links are stored under (`external_auth_links.provider_id`). */
  id: string;
  type: ProviderType;
  clientId: string;
  clientSecret: string;
  /** OIDC issuer, for discovery of the token endpoint (`oidc`; optional for `oauth2`). */
  issuer?: string;
  /** Token endpoint; overrides discovery. Default for `github`: GitHub's. */
  tokenUrl?: string;
  /** GET with the access token as bearer; 401 means the token is invalid. Default for `github`: the user endpoint. */
  validateUrl?: string;
  scopes?: string[];
  /** The provider issues no refresh tokens: an expired access token is returned as is. */
  noRefresh?: boolean;
  /** Allow http:// endpoints. Only for a provider on 127.0.0.1 in tests and demos. */
  allowInsecureRequests?: boolean;
  /** Custom fetch for every request to this provider (tests; an HTTP proxy). */
  fetch?: typeof fetch;
}

export const GITHUB_TOKEN_URL = 'https://github.com/login/oauth/access_token';
export const GITHUB_VALIDATE_URL = 'https://api.github.com/user';

/** Error codes a provider returns when the refresh token itself is no good (RFC 6749 §5.2; GitHub). */
const REJECTED_REFRESH_ERRORS = new Set(['invalid_grant', 'bad_refresh_token']);

export interface RefreshedTokens {
  accessToken: string;
  /** The provider's new refresh token, or the old one when it did not rotate. */
  refreshToken: string;
  expiry: Date | null;
  /** Non-secret fields of the response (scope, token type), for `oauth_extra`. */
  extra: { [key: string]: string | number };
}

/** What one exchange of a refresh token came to; never throws for provider answers. */
export type RefreshOutcome =
  | { kind: 'refreshed'; tokens: RefreshedTokens }
  /** The token is dead: clear it (if still stored) and ask the user to sign in. */
  | { kind: 'rejected'; reason: string; cause?: unknown }
  /** Try again later; nothing is known to be wrong with the token. */
  | { kind: 'transient'; reason: string; retryAfterMs?: number; cause?: unknown }
  /** A problem with our configuration or the provider: fail, clear nothing. */
  | { kind: 'error'; reason: string; cause?: unknown };

export interface ProviderClient {
  readonly config: ProviderConfig;
  refresh(refreshToken: string, signal: AbortSignal): Promise<RefreshOutcome>;
  /** true: valid; false: rejected (401); undefined: could not tell (rate limit, outage). */
  validate(accessToken: string, signal: AbortSignal): Promise<boolean | undefined>;
}

/** Checks a provider config; throws `OAUTH_CONFIG_INVALID` naming the field. */
export function validateProviderConfig(config: ProviderConfig): void {
  const fail = (why: string) => {
    throw new ExternalAuthError('OAUTH_CONFIG_INVALID', `provider ${JSON.stringify(config.id ?? '')}: ${why}`);
  };
  if (!config.id || !/^[a-z0-9][a-z0-9._-]*$/i.test(config.id)) fail('id must be non-empty letters, digits, ".", "_" or "-"');
  if (!['oidc', 'oauth2', 'github'].includes(config.type)) fail(`type must be oidc, oauth2 or github, got ${JSON.stringify(config.type)}`);
  if (!config.clientId) fail('clientId is required');
  if (!config.clientSecret) fail('clientSecret is required');
  if (config.type === 'oidc' && !config.issuer) fail('issuer is required for type oidc');
  if (config.type === 'oauth2' && !config.issuer && !config.tokenUrl) fail('issuer or tokenUrl is required for type oauth2');
  for (const [field, value] of [['issuer', config.issuer], ['tokenUrl', config.tokenUrl], ['validateUrl', config.validateUrl]] as const) {
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      fail(`${field} is not a URL: ${JSON.stringify(value)}`);
      return;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && config.allowInsecureRequests)) {
      fail(`${field} must be https:// (http:// only with allowInsecureRequests)`);
    }
  }
}

/**
 * The OAuth side of one provider, on oauth4webapi: discovery (once), the
 * refresh_token grant, and validation. Provider answers are classified, not
 * thrown, so the caller decides what each means for the stored token.
 */
export function createProviderClient(config: ProviderConfig): ProviderClient {
  validateProviderConfig(config);
  const client: oauth.Client = { client_id: config.clientId };
  const clientAuth = oauth.ClientSecretPost(config.clientSecret);
  const httpOptions = {
    ...(config.allowInsecureRequests ? { [oauth.allowInsecureRequests]: true } : {}),
    ...(config.fetch ? { [oauth.customFetch]: config.fetch } : {}),
  };
  let server: Promise<oauth.AuthorizationServer> | undefined;

  const authorizationServer = (signal: AbortSignal): Promise<oauth.AuthorizationServer> => {
    const tokenUrl = config.tokenUrl ?? (config.type === 'github' ? GITHUB_TOKEN_URL : undefined);
    if (tokenUrl) return Promise.resolve({ issuer: config.issuer ?? new URL(tokenUrl).origin, token_endpoint: tokenUrl });
    server ??= discover(config, httpOptions, signal);
    // A failed discovery is retried on the next call, not cached.
    server.catch(() => (server = undefined));
    return server;
  };

  return {
    config,
    async refresh(refreshToken, signal) {
      let as: oauth.AuthorizationServer;
      try {
        as = await authorizationServer(signal);
      } catch (cause) {
        return { kind: 'transient', reason: `discovery failed: ${message(cause)}`, cause };
      }
      let response: Response;
      try {
        response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, {
          ...httpOptions,
          signal,
          ...(config.scopes?.length ? { additionalParameters: { scope: config.scopes.join(' ') } } : {}),
          // GitHub answers form-encoded unless asked for JSON.
          headers: { accept: 'application/json' },
        });
      } catch (cause) {
        return { kind: 'transient', reason: `token endpoint unreachable: ${message(cause)}`, cause };
      }
      const early = await classifyStatus(response);
      if (early) return early;
      try {
        const body = await oauth.processRefreshTokenResponse(as, client, response);
        return { kind: 'refreshed', tokens: toTokens(body, refreshToken) };
      } catch (cause) {
        return classifyError(cause, response.status);
      }
    },
    async validate(accessToken, signal) {
      const url = config.validateUrl ?? (config.type === 'github' ? GITHUB_VALIDATE_URL : undefined);
      if (!url) return true;
      const doFetch = config.fetch ?? fetch;
      try {
        const res = await doFetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, signal });
        await res.body?.cancel();
        if (res.ok) return true;
        if (res.status === 401) return false;
        return undefined;
      } catch {
        return undefined;
      }
    },
  };
}

async function discover(config: ProviderConfig, httpOptions: object, signal: AbortSignal): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(config.issuer!);
  try {
    const response = await oauth.discoveryRequest(issuer, { ...httpOptions, signal, algorithm: config.type === 'oidc' ? 'oidc' : 'oauth2' });
    return await oauth.processDiscoveryResponse(issuer, response);
  } catch (cause) {
    throw new ExternalAuthError('OAUTH_DISCOVERY_FAILED', `discovery of ${issuer.origin} for provider ${config.id} failed: ${message(cause)}`, { cause });
  }
}

/** Statuses that say nothing about the token: outages and rate limits. */
async function classifyStatus(response: Response): Promise<RefreshOutcome | undefined> {
  const { status } = response;
  // GitHub signals rate limits with 403 (and sometimes 429); neither means the token is bad.
  if (status >= 500 || status === 429 || status === 408 || status === 403) {
    await response.body?.cancel();
    const retryAfterMs = retryAfter(response.headers);
    return { kind: 'transient', reason: `token endpoint answered HTTP ${status}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  // GitHub reports errors with HTTP 200 and an `error` field: handle it as the error it is.
  if (status === 200) {
    const body = (await response.clone().json().catch(() => undefined)) as { error?: unknown; error_description?: unknown } | undefined;
    if (body && typeof body.error === 'string') return errorCodeOutcome(body.error, body.error_description, status);
  }
  return undefined;
}

function classifyError(cause: unknown, status: number): RefreshOutcome {
  if (cause instanceof oauth.ResponseBodyError) return { ...errorCodeOutcome(cause.error, cause.error_description, status), cause };
  if (cause instanceof oauth.WWWAuthenticateChallengeError) {
    return { kind: 'error', reason: `token endpoint challenged the client (HTTP ${status}): check clientId/clientSecret`, cause };
  }
  return { kind: 'error', reason: `unusable token response (HTTP ${status}): ${message(cause)}`, cause };
}

function errorCodeOutcome(error: string, description: unknown, status: number): Extract<RefreshOutcome, { kind: 'rejected' | 'error' }> {
  const detail = `${error}${typeof description === 'string' && description ? `: ${description}` : ''} (HTTP ${status})`;
  return REJECTED_REFRESH_ERRORS.has(error) ? { kind: 'rejected', reason: detail } : { kind: 'error', reason: `provider error ${detail}` };
}

function toTokens(body: oauth.TokenEndpointResponse, oldRefreshToken: string): RefreshedTokens {
  const extra: RefreshedTokens['extra'] = {};
  if (body.scope !== undefined) extra.scope = body.scope;
  if (body.token_type !== undefined) extra.token_type = body.token_type;
  return {
    accessToken: body.access_token,
    // No refresh_token in the answer: the provider does not rotate (Google); keep the old one.
    refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : oldRefreshToken,
    expiry: typeof body.expires_in === 'number' ? new Date(Date.now() + body.expires_in * 1000) : null,
    extra,
  };
}

function retryAfter(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value) {
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const reset = headers.get('x-ratelimit-reset');
  if (headers.get('x-ratelimit-remaining') === '0' && reset && Number.isFinite(Number(reset))) {
    return Math.max(0, Number(reset) * 1000 - Date.now());
  }
  return undefined;
}

function message(error: unknown): string {
  if (error instanceof Error) return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
  return String(error);
}

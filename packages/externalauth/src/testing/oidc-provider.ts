import { createHash, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import type { ProviderConfig } from '../provider.js';
import { memoryAdapter } from './memory-adapter.js';

/** A fault the token endpoint injects into the next refresh request(s). */
export type TokenEndpointFault =
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' };

export interface OidcProviderStats {
  /** refresh_token grant requests that reached the token endpoint (after faults). */
  refreshCalls: number;
  refreshSucceeded: number;
  refreshFailed: number;
  /** Grants (token families) revoked because a rotated refresh token came back. */
  familiesRevoked: number;
  /** refreshCalls per account id. */
  refreshCallsByAccount: Map<string, number>;
  /** Refresh requests that presented a refresh token already presented before (two provider calls for one token). */
  refreshTokenReuses: number;
  /** refreshTokenReuses per account id. */
  refreshTokenReusesByAccount: Map<string, number>;
}

export interface TestOidcProvider {
  readonly issuer: string;
  readonly stats: OidcProviderStats;
  /** A ProviderConfig pointing at this server. */
  providerConfig(id?: string): ProviderConfig;
  /** Tokens for `accountId` as if the user had just signed in (no browser). */
  mintTokens(accountId: string): Promise<{ accessToken: string; refreshToken: string }>;
  /** Whether a refresh token would still be accepted (looked up, not spent). */
  isRefreshTokenAlive(refreshToken: string): Promise<boolean>;
  /** Whether an access token is still accepted (not expired, family not revoked). */
  isAccessTokenAlive(accessToken: string): Promise<boolean>;
  /** Queue faults for the next refresh requests, one each. */
  injectFaults(...faults: TokenEndpointFault[]): void;
  resetStats(): void;
  close(): Promise<void>;
}

export interface TestOidcProviderOptions {
  /** Access token lifetime (default 3600 s). */
  accessTokenTtlSeconds?: number;
  /** Rotate refresh tokens on every use (default true, with family revocation on reuse). */
  rotateRefreshToken?: boolean;
  /** Accept a rotated refresh token again for this many seconds (Auth0/Okta-style leeway); default 0. */
  reuseGraceSeconds?: number;
}

const CLIENT_ID = 'coder';
const CLIENT_SECRET = 'coder-test-secret';

/**
 * A real OpenID provider (the `oidc-provider` package) on 127.0.0.1 and a
 * random port, configured like a strict production provider: rotating refresh
 * tokens, and a reused rotated token revokes the whole family. Counts every
 * refresh request, so tests can assert "exactly one provider call".
 *
 * @example
 * const op = await startOidcProvider();
 * const { refreshToken } = await op.mintTokens('user-1');
 * const refresher = new TokenRefresher(store, { providers: [op.providerConfig('oidc')] });
 */
export async function startOidcProvider(options: TestOidcProviderOptions = {}): Promise<TestOidcProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    adapter: memoryAdapter({ reuseGraceSeconds: options.reuseGraceSeconds ?? 0 }),
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${issuer}/callback`],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    scopes: ['openid', 'offline_access'],
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    rotateRefreshToken: options.rotateRefreshToken ?? true,
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 3600,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Grant: 24 * 3600,
      Session: 3600,
      Interaction: 600,
      AuthorizationCode: 60,
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => false, methods: ['S256'] },
    cookies: { keys: ['coder-test-cookie-key'] },
    jwks: { keys: [{ ...signingKey, use: 'sig', kid: 'test' } as never] },
  });
  provider.proxy = false;

  const stats = emptyStats();
  const faults: TokenEndpointFault[] = [];

  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/token') {
      const fault = faults.shift();
      if (fault?.kind === 'delay') await sleep(fault.ms);
      if (fault?.kind === 'reset') {
        ctx.req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        ctx.status = fault.status;
        ctx.set(fault.headers ?? {});
        ctx.body = { error: 'temporarily_unavailable' };
        return;
      }
    }
    await next();
  });

  const isRefresh = (ctx: KoaContextWithOIDC) => ctx.oidc?.params?.grant_type === 'refresh_token';
  const account = (ctx: KoaContextWithOIDC) => ctx.oidc?.entities?.RefreshToken?.accountId ?? ctx.oidc?.entities?.Account?.accountId ?? 'unknown';
  // Digests, not values: the set outlives requests and must not hold secrets in clear.
  const presented = new Set<string>();
  const countCall = (ctx: KoaContextWithOIDC) => {
    stats.refreshCalls++;
    const id = account(ctx);
    const token = ctx.oidc?.params?.refresh_token;
    if (typeof token === 'string') {
      const digest = createHash('sha256').update(token).digest('base64url');
      if (presented.has(digest)) {
        stats.refreshTokenReuses++;
        stats.refreshTokenReusesByAccount.set(id, (stats.refreshTokenReusesByAccount.get(id) ?? 0) + 1);
      }
      presented.add(digest);
    }
    stats.refreshCallsByAccount.set(id, (stats.refreshCallsByAccount.get(id) ?? 0) + 1);
  };
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    if (!isRefresh(ctx)) return;
    countCall(ctx);
    stats.refreshSucceeded++;
  });
  provider.on('grant.error', (ctx: KoaContextWithOIDC) => {
    if (!isRefresh(ctx)) return;
    countCall(ctx);
    stats.refreshFailed++;
  });
  provider.on('grant.revoked', () => {
    stats.familiesRevoked++;
  });
  // oidc-provider reports every grant error on this event too; the counters above are enough.
  provider.on('server_error', () => {});

  server.on('request', provider.callback());

  return {
    issuer,
    stats,
    providerConfig: (id = 'oidc') => ({
      id,
      type: 'oidc',
      issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      allowInsecureRequests: true,
    }),
    async mintTokens(accountId) {
      const client = await provider.Client.find(CLIENT_ID);
      if (!client) throw new Error('test client missing');
      const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
      grant.addOIDCScope('openid offline_access');
      const grantId = await grant.save();
      const refreshToken = await new provider.RefreshToken({ client, accountId, grantId, scope: 'openid offline_access', gty: 'authorization_code' } as never).save();
      const accessToken = await new provider.AccessToken({ client, accountId, grantId, scope: 'openid', gty: 'authorization_code' } as never).save();
      return { accessToken, refreshToken };
    },
    async isRefreshTokenAlive(refreshToken) {
      const token = await provider.RefreshToken.find(refreshToken);
      if (!token || token.isExpired || token.consumed) return false;
      // A revoked family leaves no grant behind.
      return Boolean(token.grantId && (await provider.Grant.find(token.grantId)));
    },
    async isAccessTokenAlive(accessToken) {
      const token = await provider.AccessToken.find(accessToken);
      return Boolean(token && !token.isExpired);
    },
    injectFaults: (...more) => faults.push(...more),
    resetStats: () => Object.assign(stats, emptyStats()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function emptyStats(): OidcProviderStats {
  return { refreshCalls: 0, refreshSucceeded: 0, refreshFailed: 0, familiesRevoked: 0, refreshCallsByAccount: new Map(), refreshTokenReuses: 0, refreshTokenReusesByAccount: new Map() };
}

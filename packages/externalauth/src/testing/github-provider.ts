import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ProviderConfig } from '../provider.js';
import type { TokenEndpointFault } from './oidc-provider.js';

export interface GitHubProviderStats {
  refreshCalls: number;
  refreshSucceeded: number;
  refreshFailed: number;
  validateCalls: number;
  /** refreshCalls per login. */
  refreshCallsByLogin: Map<string, number>;
  /** Refresh requests that presented a refresh token already presented before. */
  refreshTokenReuses: number;
  /** refreshTokenReuses per login. */
  refreshTokenReusesByLogin: Map<string, number>;
}

const emptyStats = (): GitHubProviderStats => ({ refreshCalls: 0, refreshSucceeded: 0, refreshFailed: 0, validateCalls: 0, refreshCallsByLogin: new Map(), refreshTokenReuses: 0, refreshTokenReusesByLogin: new Map() });

export interface TestGitHubProvider {
  readonly baseUrl: string;
  readonly stats: GitHubProviderStats;
  providerConfig(id?: string): ProviderConfig;
  mintTokens(login: string): { accessToken: string; refreshToken: string };
  isRefreshTokenAlive(refreshToken: string): boolean;
  isAccessTokenAlive(accessToken: string): boolean;
  resetStats(): void;
  injectFaults(...faults: TokenEndpointFault[]): void;
  /** Make the next `n` validation calls answer 401 (a token the provider no longer accepts). */
  rejectNextValidations(n: number): void;
  close(): Promise<void>;
}

/**
 * A stand-in for GitHub's token endpoint and user API, on 127.0.0.1: GitHub
 * itself cannot be reached from tests. It behaves as GitHub documents for
 * expiring user tokens: each refresh rotates both tokens, the old access token
 * stops working at once, a spent refresh token gets HTTP 200 with
 * `{"error":"bad_refresh_token"}`, rate limits come as 403 with headers.
 */
export async function startGitHubProvider(): Promise<TestGitHubProvider> {
  const refreshTokens = new Map<string, string>(); // refresh token -> login
  const accessTokens = new Map<string, string>(); // access token -> login
  const currentAccess = new Map<string, string>(); // login -> its one live access token
  const faults: TokenEndpointFault[] = [];
  const stats = emptyStats();
  const loginOf = new Map<string, string>(); // refresh token digest -> login, kept after the token is spent
  const presented = new Set<string>();
  const digest = (token: string) => createHash('sha256').update(token).digest('base64url');
  let rejectValidations = 0;

  const mint = (login: string) => {
    const old = currentAccess.get(login);
    if (old) accessTokens.delete(old);
    const accessToken = `ghu_${randomBytes(18).toString('hex')}`;
    const refreshToken = `ghr_${randomBytes(30).toString('hex')}`;
    accessTokens.set(accessToken, login);
    currentAccess.set(login, accessToken);
    refreshTokens.set(refreshToken, login);
    loginOf.set(digest(refreshToken), login);
    return { accessToken, refreshToken };
  };

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const fault = faults.shift();
      if (fault?.kind === 'delay') await sleep(fault.ms);
      if (fault?.kind === 'reset') return req.socket.destroy();
      if (fault?.kind === 'status') return json(res, fault.status, { message: 'API rate limit exceeded' }, fault.headers);
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      if (form.get('grant_type') !== 'refresh_token') return json(res, 200, { error: 'unsupported_grant_type' });
      stats.refreshCalls++;
      const presentedDigest = digest(form.get('refresh_token') ?? '');
      const owner = loginOf.get(presentedDigest) ?? 'unknown';
      if (presented.has(presentedDigest)) {
        stats.refreshTokenReuses++;
        stats.refreshTokenReusesByLogin.set(owner, (stats.refreshTokenReusesByLogin.get(owner) ?? 0) + 1);
      }
      presented.add(presentedDigest);
      stats.refreshCallsByLogin.set(owner, (stats.refreshCallsByLogin.get(owner) ?? 0) + 1);
      const login = refreshTokens.get(form.get('refresh_token') ?? '');
      if (!login) {
        stats.refreshFailed++;
        return json(res, 200, { error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' });
      }
      refreshTokens.delete(form.get('refresh_token')!);
      stats.refreshSucceeded++;
      const tokens = mint(login);
      return json(res, 200, {
        access_token: tokens.accessToken,
        expires_in: 28800,
        refresh_token: tokens.refreshToken,
        refresh_token_expires_in: 15897600,
        scope: '',
        token_type: 'bearer',
      });
    }
    if (req.method === 'GET' && url.pathname === '/user') {
      stats.validateCalls++;
      const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (rejectValidations > 0) {
        rejectValidations--;
        return json(res, 401, { message: 'Bad credentials' });
      }
      const login = accessTokens.get(token);
      return login ? json(res, 200, { login }) : json(res, 401, { message: 'Bad credentials' });
    }
    json(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    stats,
    providerConfig: (id = 'github') => ({
      id,
      type: 'github',
      clientId: 'Iv1.test',
      clientSecret: 'github-test-secret',
      tokenUrl: `${baseUrl}/login/oauth/access_token`,
      validateUrl: `${baseUrl}/user`,
      allowInsecureRequests: true,
    }),
    mintTokens: mint,
    isRefreshTokenAlive: (token) => refreshTokens.has(token),
    isAccessTokenAlive: (token) => accessTokens.has(token),
    injectFaults: (...more) => faults.push(...more),
    resetStats: () => Object.assign(stats, emptyStats()),
    rejectNextValidations: (n) => {
      rejectValidations = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

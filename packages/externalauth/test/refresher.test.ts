import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { openDriver, createSqlStore } from '@coder/database';
import { availableBackends, createTestDatabase, postgresUrl } from '@coder/database/testing';
import type { TestDatabase } from '@coder/database/testing';
import { ExternalAuthError, InvalidTokenError, TokenRefresher, createProviderClient } from '@coder/externalauth';
import { captureLogs, startGitHubProvider, startOidcProvider } from '@coder/externalauth/testing';
import type { TestGitHubProvider, TestOidcProvider } from '@coder/externalauth/testing';
import { FAST_RETRY, FUTURE, readLink, seedLink } from './helpers.js';

let op: TestOidcProvider;
let staticOp: TestOidcProvider;
let gh: TestGitHubProvider;
beforeAll(async () => {
  [op, staticOp, gh] = await Promise.all([startOidcProvider(), startOidcProvider({ rotateRefreshToken: false }), startGitHubProvider()]);
});
afterAll(async () => {
  await Promise.all([op.close(), staticOp.close(), gh.close()]);
});

describe.each(availableBackends())('TokenRefresher on %s', (backend) => {
  let db: TestDatabase;
  let logs: ReturnType<typeof captureLogs>;
  /** Every token a test saw: none may appear in the logs. */
  let secrets: string[];

  beforeEach(async () => {
    db = await createTestDatabase(backend);
    logs = captureLogs();
    secrets = [];
    op.resetStats();
    staticOp.resetStats();
  });
  afterEach(async () => {
    await db.close();
    const text = logs.text();
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  const refresher = (overrides: Partial<ConstructorParameters<typeof TokenRefresher>[1]> = {}) =>
    new TokenRefresher(db.store, {
      providers: [op.providerConfig('oidc'), gh.providerConfig('github'), staticOp.providerConfig('static')],
      logger: logs.logger,
      retry: FAST_RETRY,
      ...overrides,
    });

  async function oidcLink(provider = op, providerId = 'oidc') {
    const tokens = await provider.mintTokens(`acct-${Math.random().toString(36).slice(2)}`);
    secrets.push(tokens.accessToken, tokens.refreshToken);
    const { userId } = await seedLink(db.store, providerId, tokens);
    return { userId, ...tokens };
  }

  it('five concurrent callers make exactly one provider refresh and all get the same token', async () => {
    const { userId, refreshToken } = await oidcLink();
    const r = refresher();
    const tokens = await Promise.all(Array.from({ length: 5 }, () => r.obtainAccessToken('oidc', userId)));
    expect(new Set(tokens).size).toBe(1);
    expect(op.stats.refreshCalls).toBe(1);
    const link = await readLink(db.store, 'oidc', userId);
    secrets.push(link.oauthAccessToken, link.oauthRefreshToken);
    expect(link.oauthAccessToken).toBe(tokens[0]);
    expect(link.oauthRefreshToken).not.toBe(refreshToken);
    expect(link.oauthExpiry!.getTime()).toBeGreaterThan(Date.now());
    expect(await op.isRefreshTokenAlive(link.oauthRefreshToken)).toBe(true);
    expect(op.stats.familiesRevoked).toBe(0);
  });

  it('makes no provider call for a fresh token', async () => {
    const tokens = await op.mintTokens('fresh');
    const { userId } = await seedLink(db.store, 'oidc', tokens, FUTURE());
    expect(await refresher().obtainAccessToken('oidc', userId)).toBe(tokens.accessToken);
    expect(op.stats.refreshCalls).toBe(0);
  });

  it('gives a caller that aborts its abort error while the others succeed', async () => {
    const { userId } = await oidcLink();
    op.injectFaults({ kind: 'delay', ms: 300 });
    const r = refresher();
    const controller = new AbortController();
    const quitter = r.obtainAccessToken('oidc', userId, { signal: controller.signal });
    const stayers = [r.obtainAccessToken('oidc', userId), r.obtainAccessToken('oidc', userId)];
    setTimeout(() => controller.abort(new Error('build cancelled')), 50);
    await expect(quitter).rejects.toThrow('build cancelled');
    const [a, b] = await Promise.all(stayers);
    expect(a).toBe(b);
    expect(op.stats.refreshCalls).toBe(1);
    expect((await readLink(db.store, 'oidc', userId)).oauthAccessToken).toBe(a);
  });

  it('returns the newer token found on re-read inside the lock without calling the provider', async () => {
    const { userId, refreshToken } = await oidcLink();
    // Another replica refreshed between this caller's first read and its lock: simulate by
    // writing the winner's tokens right before the refresh starts.
    const winner = await op.mintTokens('winner');
    secrets.push(winner.accessToken, winner.refreshToken);
    const store = db.store;
    const racing = new TokenRefresher(
      { ...store, inTx: async (fn, options) => {
          await store.updateExternalAuthLinkTokens({
            providerId: 'oidc', userId, updatedAt: new Date(), oauthAccessToken: winner.accessToken, oauthAccessTokenKeyId: null,
            oauthRefreshToken: winner.refreshToken, oauthRefreshTokenKeyId: null, oauthExpiry: FUTURE(), oauthExtra: null,
            oldOauthRefreshToken: refreshToken,
          });
          return store.inTx(fn, options);
        } },
      { providers: [op.providerConfig('oidc')], logger: logs.logger },
    );
    expect(await racing.obtainAccessToken('oidc', userId)).toBe(winner.accessToken);
    expect(op.stats.refreshCalls).toBe(0);
  });

  it('makes a stale UpdateExternalAuthLinkRefreshToken a no-op', async () => {
    const { userId, refreshToken, accessToken } = await oidcLink();
    const rows = await db.store.updateExternalAuthLinkRefreshToken({
      providerId: 'oidc', userId, updatedAt: new Date(), oauthRefreshToken: '', oauthRefreshTokenKeyId: null,
      oauthRefreshFailureReason: 'stale writer', oldOauthRefreshToken: 'not-the-current-token',
    });
    expect(rows).toBe(0);
    expect(await readLink(db.store, 'oidc', userId)).toMatchObject({
      oauthRefreshToken: refreshToken, oauthAccessToken: accessToken, oauthRefreshFailureReason: '',
    });
  });

  it.each([
    ['oidc', 'invalid_grant'],
    ['github', 'bad_refresh_token'],
  ])('on a permanent failure (%s: %s) clears the refresh token by update, records why, and stops calling', async (providerId, error) => {
    const dead = { accessToken: 'expired-access', refreshToken: `dead-refresh-${providerId}` };
    const { userId } = await seedLink(db.store, providerId, dead);
    const r = refresher();
    const callsBefore = op.stats.refreshCalls + gh.stats.refreshCalls;
    await expect(r.obtainAccessToken(providerId, userId)).rejects.toMatchObject({ name: 'InvalidTokenError', code: 'OAUTH_REFRESH_REJECTED', providerId });
    const link = await readLink(db.store, providerId, userId);
    expect(link.oauthRefreshToken).toBe('');
    expect(link.oauthRefreshFailureReason).toContain(error);
    expect(link.oauthAccessToken).toBe('expired-access');
    expect(op.stats.refreshCalls + gh.stats.refreshCalls).toBe(callsBefore + 1);

    await expect(r.obtainAccessToken(providerId, userId)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(op.stats.refreshCalls + gh.stats.refreshCalls).toBe(callsBefore + 1);
  });

  it.each([
    ['500', { kind: 'status', status: 500 }],
    ['503', { kind: 'status', status: 503 }],
    ['429 with Retry-After', { kind: 'status', status: 429, headers: { 'retry-after': '0' } }],
    ['403 rate limit', { kind: 'status', status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '0' } }],
    ['a connection reset', { kind: 'reset' }],
  ] as const)('retries %s and clears nothing', async (_name, fault) => {
    const tokens = gh.mintTokens(`retry-${_name}`);
    secrets.push(tokens.accessToken, tokens.refreshToken);
    const { userId } = await seedLink(db.store, 'github', tokens);
    gh.injectFaults(fault, fault);
    const token = await refresher().obtainAccessToken('github', userId);
    secrets.push(token);
    expect(gh.isAccessTokenAlive(token)).toBe(true);
    // At least the two injected faults (a pooled keep-alive connection the server closed meanwhile adds one).
    expect(logs.lines().filter((l) => l.msg === 'transient refresh failure; retrying').length).toBeGreaterThanOrEqual(2);

    gh.injectFaults(...Array.from({ length: FAST_RETRY.attempts }, () => fault));
    await db.store.updateExternalAuthLink({ ...(await readLink(db.store, 'github', userId)), oauthExpiry: new Date(0) });
    const before = await readLink(db.store, 'github', userId);
    const error = await refresher().obtainAccessToken('github', userId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalAuthError);
    expect(error).not.toBeInstanceOf(InvalidTokenError);
    expect((error as ExternalAuthError).code).toBe('OAUTH_PROVIDER_UNAVAILABLE');
    expect(await readLink(db.store, 'github', userId)).toEqual(before);
    expect(gh.isRefreshTokenAlive(before.oauthRefreshToken)).toBe(true);
  });

  it('keeps the old refresh token when the provider does not rotate', async () => {
    const { userId, refreshToken, accessToken } = await oidcLink(staticOp, 'static');
    const token = await refresher().obtainAccessToken('static', userId);
    secrets.push(token);
    expect(token).not.toBe(accessToken);
    const link = await readLink(db.store, 'static', userId);
    expect(link.oauthRefreshToken).toBe(refreshToken);
    expect(staticOp.stats.refreshCalls).toBe(1);
  });

  it('saves a refreshed token before validating it', async () => {
    const tokens = gh.mintTokens('validate');
    secrets.push(tokens.accessToken, tokens.refreshToken);
    const { userId } = await seedLink(db.store, 'github', tokens);
    gh.rejectNextValidations(1);
    await expect(refresher().obtainAccessToken('github', userId)).rejects.toMatchObject({ code: 'OAUTH_TOKEN_INVALID' });
    const link = await readLink(db.store, 'github', userId);
    secrets.push(link.oauthAccessToken, link.oauthRefreshToken);
    // The spent refresh token was replaced by the new pair, which the provider still honours.
    expect(link.oauthRefreshToken).not.toBe(tokens.refreshToken);
    expect(gh.isRefreshTokenAlive(link.oauthRefreshToken)).toBe(true);
    expect(gh.isAccessTokenAlive(tokens.accessToken)).toBe(false);
  });

  it('calls the fault hook at every step of a refresh, in order, with no token in sight', async () => {
    const { userId, accessToken, refreshToken } = await oidcLink();
    const seen: Array<Record<string, unknown>> = [];
    const token = await refresher({ hook: (context) => void seen.push({ ...context }) }).obtainAccessToken('oidc', userId);
    secrets.push(token);
    expect(seen.map((c) => c.step)).toEqual(['start', 'locked', 'before-provider', 'after-provider', 'written', 'committed']);
    expect(seen[3]).toMatchObject({ providerId: 'oidc', userId, kind: 'external_auth_link', attempt: 1, answer: 'refreshed' });
    const text = JSON.stringify(seen);
    for (const secret of [token, accessToken, refreshToken]) expect(text).not.toContain(secret);
  });

  it('a hook that throws before the provider call fails that attempt and spends nothing', async () => {
    const { userId, refreshToken } = await oidcLink();
    const boom = Object.assign(new Error('statement timeout'), { code: '57014' });
    let fired = 0;
    const hook = ({ step }: { step: string }) => {
      if (step === 'before-provider' && fired++ === 0) throw boom;
    };
    const token = await refresher({ hook }).obtainAccessToken('oidc', userId);
    secrets.push(token);
    // 57014 is transient: retried, then one provider call.
    expect(fired).toBe(2);
    expect(op.stats.refreshCalls).toBe(1);
    expect((await readLink(db.store, 'oidc', userId)).oauthRefreshToken).not.toBe(refreshToken);
  });

  it('tells a missing link, an unknown provider and a link without refresh token apart', async () => {
    const r = refresher();
    await expect(r.obtainAccessToken('oidc', '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'OAUTH_LINK_MISSING' });
    await expect(r.obtainAccessToken('gitlab', 'x')).rejects.toMatchObject({ code: 'OAUTH_PROVIDER_UNKNOWN' });
    const { userId } = await seedLink(db.store, 'oidc', { accessToken: 'a', refreshToken: '' });
    await expect(r.obtainAccessToken('oidc', userId)).rejects.toMatchObject({ code: 'OAUTH_REFRESH_TOKEN_MISSING' });
  });

  describe('obtainOIDCAccessToken', () => {
    async function loginLink(expiry: Date, tokens: { accessToken: string; refreshToken: string }) {
      const { userId } = await seedLink(db.store, 'unused', { accessToken: 'x', refreshToken: 'y' }, FUTURE());
      await db.store.insertUserLink({
        userId, loginType: 'oidc', linkedId: 'sub', oauthAccessToken: tokens.accessToken, oauthAccessTokenKeyId: null,
        oauthRefreshToken: tokens.refreshToken, oauthRefreshTokenKeyId: null, oauthExpiry: expiry,
      });
      return userId;
    }

    it('refreshes the login token 10 minutes before it expires', async () => {
      const tokens = await op.mintTokens('login');
      secrets.push(tokens.accessToken, tokens.refreshToken);
      const userId = await loginLink(new Date(Date.now() + 5 * 60_000), tokens);
      const r = refresher({ loginProvider: op.providerConfig('login') });
      const token = await r.obtainOIDCAccessToken(userId);
      secrets.push(token);
      expect(token).not.toBe(tokens.accessToken);
      expect(op.stats.refreshCalls).toBe(1);
      expect((await db.store.getUserLinkByUserIDLoginType({ userId, loginType: 'oidc' }))?.oauthAccessToken).toBe(token);
    });

    it('gives an empty token and a warning when the refresh fails, never an error', async () => {
      const userId = await loginLink(new Date(Date.now() - 1000), { accessToken: 'old-login-access', refreshToken: 'dead-login-refresh' });
      const r = refresher({ loginProvider: op.providerConfig('login') });
      expect(await r.obtainOIDCAccessToken(userId)).toBe('');
      expect(logs.lines().some((l) => l.level === 40 && String(l.msg).includes('OIDC token'))).toBe(true);
      expect(logs.text()).not.toContain('dead-login-refresh');
      const link = await db.store.getUserLinkByUserIDLoginType({ userId, loginType: 'oidc' });
      expect(link).toMatchObject({ oauthRefreshToken: '', oauthRefreshFailureReason: expect.stringContaining('invalid_grant') });
    });
  });
});

describe.skipIf(!postgresUrl())('two replicas on PostgreSQL', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('postgres');
    op.resetStats();
  });
  afterEach(() => db.close());

  it('20 concurrent callers on each of two replicas make one provider refresh and keep the family alive', async () => {
    const tokens = await op.mintTokens('replicas');
    const { userId } = await seedLink(db.store, 'oidc', tokens);
    const second = await openDriver(db.url, { poolSize: 5 });
    try {
      const logs = captureLogs();
      const replicas = [db.store, createSqlStore(second)].map(
        (store) => new TokenRefresher(store, { providers: [op.providerConfig('oidc')], logger: logs.logger }),
      );
      const results = await Promise.all(replicas.flatMap((r) => Array.from({ length: 20 }, () => r.obtainAccessToken('oidc', userId))));
      expect(new Set(results).size).toBe(1);
      expect(op.stats.refreshCalls).toBe(1);
      expect(op.stats.familiesRevoked).toBe(0);
      const link = await readLink(db.store, 'oidc', userId);
      // The family is alive: the stored refresh token still works at the provider.
      const client = createProviderClient(op.providerConfig('oidc'));
      const next = await client.refresh(link.oauthRefreshToken, AbortSignal.timeout(5000));
      expect(next.kind).toBe('refreshed');
      for (const secret of [tokens.refreshToken, tokens.accessToken, link.oauthRefreshToken, link.oauthAccessToken]) {
        expect(logs.text()).not.toContain(secret);
      }
    } finally {
      await second.close();
    }
  });

  it('a loser whose exchange fails finds the winner\'s token on re-read and clears nothing', async () => {
    const tokens = gh.mintTokens('loser');
    const { userId } = await seedLink(db.store, 'github', tokens);
    // The winner (a replica without our lock, e.g. an older version) spends the token at the
    // provider while our exchange is in flight, and stores its result.
    const winnerClient = createProviderClient(gh.providerConfig('github'));
    gh.injectFaults({ kind: 'delay', ms: 300 });
    const ours = new TokenRefresher(db.store, { providers: [gh.providerConfig('github')], retry: FAST_RETRY }).obtainAccessToken('github', userId);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const won = await winnerClient.refresh(tokens.refreshToken, AbortSignal.timeout(5000));
    if (won.kind !== 'refreshed') throw new Error(`winner failed: ${won.kind}`);
    await db.store.updateExternalAuthLinkTokens({
      providerId: 'github', userId, updatedAt: new Date(), oauthAccessToken: won.tokens.accessToken, oauthAccessTokenKeyId: null,
      oauthRefreshToken: won.tokens.refreshToken, oauthRefreshTokenKeyId: null, oauthExpiry: won.tokens.expiry, oauthExtra: null,
      oldOauthRefreshToken: tokens.refreshToken,
    });
    expect(await ours).toBe(won.tokens.accessToken);
    const link = await readLink(db.store, 'github', userId);
    expect(link).toMatchObject({ oauthRefreshToken: won.tokens.refreshToken, oauthRefreshFailureReason: '' });
  });
});

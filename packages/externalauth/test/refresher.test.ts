import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { openDriver } from '@coder/database';
import type { OpenedStore, Store } from '@coder/database';
import { availableBackends, createTestDatabase, postgresUrl } from '@coder/database/testing';
import type { TestDatabase } from '@coder/database/testing';
import { ExternalAuthError, InvalidTokenError, TokenRefresher, createProviderClient } from '@coder/externalauth';
import { captureLogs, startGitHubProvider, startOidcProvider } from '@coder/externalauth/testing';
import type { TestGitHubProvider, TestOidcProvider } from '@coder/externalauth/testing';
import { FAST_RETRY, FUTURE, asSystem, asUser, openFullStack, randomEncryptionKey, rawTokenColumns, readLink, seedLink } from './helpers.js';

let op: TestOidcProvider;
let staticOp: TestOidcProvider;
let gh: TestGitHubProvider;
beforeAll(async () => {
  [op, staticOp, gh] = await Promise.all([startOidcProvider(), startOidcProvider({ rotateRefreshToken: false }), startGitHubProvider()]);
});
afterAll(async () => {
  await Promise.all([op.close(), staticOp.close(), gh.close()]);
});

// Every test runs on the full Store stack with encryption on, as production does:
// openStore (SQL → serializable retry → dbcrypt → dbauthz → dbmetrics) over the
// test database, a random key per test database, authorization on. Links are
// seeded and read back as the system actor; builds call as their user's actor.
describe.each(availableBackends())('TokenRefresher on %s (full stack, encryption on)', (backend) => {
  let db: TestDatabase;
  let stack: OpenedStore;
  /** The full stack: every store call below goes through dbcrypt and dbauthz. */
  let store: Store;
  let key: string;
  let logs: ReturnType<typeof captureLogs>;
  /** Every token a test saw, and the encryption key: none may appear in the logs. */
  let secrets: string[];

  beforeEach(async () => {
    db = await createTestDatabase(backend);
    logs = captureLogs();
    key = randomEncryptionKey();
    secrets = [key];
    stack = await openFullStack(db.driver, key, logs.logger);
    store = stack.store;
    op.resetStats();
    staticOp.resetStats();
  });
  afterEach(async () => {
    await stack.close();
    await db.close();
    const text = logs.text();
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  const refresher = (overrides: Partial<ConstructorParameters<typeof TokenRefresher>[1]> = {}) =>
    new TokenRefresher(store, {
      providers: [op.providerConfig('oidc'), gh.providerConfig('github'), staticOp.providerConfig('static')],
      logger: logs.logger,
      retry: FAST_RETRY,
      ...overrides,
    });

  async function oidcLink(provider = op, providerId = 'oidc') {
    const tokens = await provider.mintTokens(`acct-${Math.random().toString(36).slice(2)}`);
    secrets.push(tokens.accessToken, tokens.refreshToken);
    const { userId } = await seedLink(store, providerId, tokens);
    return { userId, ...tokens };
  }

  it('five concurrent callers make exactly one provider refresh and all get the same token', async () => {
    const { userId, refreshToken } = await oidcLink();
    const r = refresher();
    const tokens = await Promise.all(Array.from({ length: 5 }, () => asUser(userId, () => r.obtainAccessToken('oidc', userId))));
    expect(new Set(tokens).size).toBe(1);
    expect(op.stats.refreshCalls).toBe(1);
    const link = await readLink(store, 'oidc', userId);
    secrets.push(link.oauthAccessToken, link.oauthRefreshToken);
    expect(link.oauthAccessToken).toBe(tokens[0]);
    expect(link.oauthRefreshToken).not.toBe(refreshToken);
    expect(link.oauthExpiry!.getTime()).toBeGreaterThan(Date.now());
    expect(await op.isRefreshTokenAlive(link.oauthRefreshToken)).toBe(true);
    expect(op.stats.familiesRevoked).toBe(0);
  });

  it('makes no provider call for a fresh token', async () => {
    const tokens = await op.mintTokens('fresh');
    const { userId } = await seedLink(store, 'oidc', tokens, FUTURE());
    expect(await asUser(userId, () => refresher().obtainAccessToken('oidc', userId))).toBe(tokens.accessToken);
    expect(op.stats.refreshCalls).toBe(0);
  });

  it('gives a caller that aborts its abort error while the others succeed', async () => {
    const { userId } = await oidcLink();
    op.injectFaults({ kind: 'delay', ms: 300 });
    const r = refresher();
    const controller = new AbortController();
    const quitter = asUser(userId, () => r.obtainAccessToken('oidc', userId, { signal: controller.signal }));
    const stayers = [asUser(userId, () => r.obtainAccessToken('oidc', userId)), asUser(userId, () => r.obtainAccessToken('oidc', userId))];
    setTimeout(() => controller.abort(new Error('build cancelled')), 50);
    await expect(quitter).rejects.toThrow('build cancelled');
    const [a, b] = await Promise.all(stayers);
    expect(a).toBe(b);
    expect(op.stats.refreshCalls).toBe(1);
    expect((await readLink(store, 'oidc', userId)).oauthAccessToken).toBe(a);
  });

  it('returns the newer token found on re-read inside the lock without calling the provider', async () => {
    const { userId, refreshToken } = await oidcLink();
    // Another replica refreshed between this caller's first read and its lock: simulate by
    // writing the winner's tokens right before the refresh starts.
    const winner = await op.mintTokens('winner');
    secrets.push(winner.accessToken, winner.refreshToken);
    const racing = new TokenRefresher(
      { ...store, inTx: async (fn, options) => {
          // The other replica's write: its own context (the system's here), through the same stack.
          await asSystem(() => store.updateExternalAuthLinkTokens({
            providerId: 'oidc', userId, updatedAt: new Date(), oauthAccessToken: winner.accessToken, oauthAccessTokenKeyId: null,
            oauthRefreshToken: winner.refreshToken, oauthRefreshTokenKeyId: null, oauthExpiry: FUTURE(), oauthExtra: null,
            oldOauthRefreshToken: refreshToken,
          }));
          return store.inTx(fn, options);
        } },
      { providers: [op.providerConfig('oidc')], logger: logs.logger },
    );
    expect(await asUser(userId, () => racing.obtainAccessToken('oidc', userId))).toBe(winner.accessToken);
    expect(op.stats.refreshCalls).toBe(0);
  });

  it('makes a stale UpdateExternalAuthLinkRefreshToken a no-op', async () => {
    const { userId, refreshToken, accessToken } = await oidcLink();
    const rows = await asUser(userId, () => store.updateExternalAuthLinkRefreshToken({
      providerId: 'oidc', userId, updatedAt: new Date(), oauthRefreshToken: '', oauthRefreshTokenKeyId: null,
      oauthRefreshFailureReason: 'stale writer', oldOauthRefreshToken: 'not-the-current-token',
    }));
    expect(rows).toBe(0);
    expect(await readLink(store, 'oidc', userId)).toMatchObject({
      oauthRefreshToken: refreshToken, oauthAccessToken: accessToken, oauthRefreshFailureReason: '',
    });
  });

  it.each([
    ['oidc', 'invalid_grant'],
    ['github', 'bad_refresh_token'],
  ])('on a permanent failure (%s: %s) clears the refresh token by update, records why, and stops calling', async (providerId, error) => {
    const dead = { accessToken: 'expired-access', refreshToken: `dead-refresh-${providerId}` };
    const { userId } = await seedLink(store, providerId, dead);
    const r = refresher();
    const callsBefore = op.stats.refreshCalls + gh.stats.refreshCalls;
    await expect(asUser(userId, () => r.obtainAccessToken(providerId, userId))).rejects.toMatchObject({ name: 'InvalidTokenError', code: 'OAUTH_REFRESH_REJECTED', providerId });
    const link = await readLink(store, providerId, userId);
    expect(link.oauthRefreshToken).toBe('');
    expect(link.oauthRefreshFailureReason).toContain(error);
    expect(link.oauthAccessToken).toBe('expired-access');
    expect(op.stats.refreshCalls + gh.stats.refreshCalls).toBe(callsBefore + 1);

    await expect(asUser(userId, () => r.obtainAccessToken(providerId, userId))).rejects.toBeInstanceOf(InvalidTokenError);
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
    const { userId } = await seedLink(store, 'github', tokens);
    gh.injectFaults(fault, fault);
    const token = await asUser(userId, () => refresher().obtainAccessToken('github', userId));
    secrets.push(token);
    expect(gh.isAccessTokenAlive(token)).toBe(true);
    // At least the two injected faults (a pooled keep-alive connection the server closed meanwhile adds one).
    expect(logs.lines().filter((l) => l.msg === 'transient refresh failure; retrying').length).toBeGreaterThanOrEqual(2);

    gh.injectFaults(...Array.from({ length: FAST_RETRY.attempts }, () => fault));
    const expired = { ...(await readLink(store, 'github', userId)), oauthExpiry: new Date(0) };
    await asSystem(() => store.updateExternalAuthLink(expired));
    const before = await readLink(store, 'github', userId);
    const error = await asUser(userId, () => refresher().obtainAccessToken('github', userId)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalAuthError);
    expect(error).not.toBeInstanceOf(InvalidTokenError);
    expect((error as ExternalAuthError).code).toBe('OAUTH_PROVIDER_UNAVAILABLE');
    expect(await readLink(store, 'github', userId)).toEqual(before);
    expect(gh.isRefreshTokenAlive(before.oauthRefreshToken)).toBe(true);
  });

  it('keeps the old refresh token when the provider does not rotate', async () => {
    const { userId, refreshToken, accessToken } = await oidcLink(staticOp, 'static');
    const token = await asUser(userId, () => refresher().obtainAccessToken('static', userId));
    secrets.push(token);
    expect(token).not.toBe(accessToken);
    const link = await readLink(store, 'static', userId);
    expect(link.oauthRefreshToken).toBe(refreshToken);
    expect(staticOp.stats.refreshCalls).toBe(1);
  });

  it('saves a refreshed token before validating it', async () => {
    const tokens = gh.mintTokens('validate');
    secrets.push(tokens.accessToken, tokens.refreshToken);
    const { userId } = await seedLink(store, 'github', tokens);
    gh.rejectNextValidations(1);
    await expect(asUser(userId, () => refresher().obtainAccessToken('github', userId))).rejects.toMatchObject({ code: 'OAUTH_TOKEN_INVALID' });
    const link = await readLink(store, 'github', userId);
    secrets.push(link.oauthAccessToken, link.oauthRefreshToken);
    // The spent refresh token was replaced by the new pair, which the provider still honours.
    expect(link.oauthRefreshToken).not.toBe(tokens.refreshToken);
    expect(gh.isRefreshTokenAlive(link.oauthRefreshToken)).toBe(true);
    expect(gh.isAccessTokenAlive(tokens.accessToken)).toBe(false);
  });

  it('calls the fault hook at every step of a refresh, in order, with no token in sight', async () => {
    const { userId, accessToken, refreshToken } = await oidcLink();
    const seen: Array<Record<string, unknown>> = [];
    const token = await asUser(userId, () => refresher({ hook: (context) => void seen.push({ ...context }) }).obtainAccessToken('oidc', userId));
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
    const token = await asUser(userId, () => refresher({ hook }).obtainAccessToken('oidc', userId));
    secrets.push(token);
    // 57014 is transient: retried, then one provider call.
    expect(fired).toBe(2);
    expect(op.stats.refreshCalls).toBe(1);
    expect((await readLink(store, 'oidc', userId)).oauthRefreshToken).not.toBe(refreshToken);
  });

  it('tells a missing link, an unknown provider and a link without refresh token apart', async () => {
    const r = refresher();
    const nobody = '00000000-0000-4000-8000-000000000000';
    await expect(asUser(nobody, () => r.obtainAccessToken('oidc', nobody))).rejects.toMatchObject({ code: 'OAUTH_LINK_MISSING' });
    await expect(asUser('x', () => r.obtainAccessToken('gitlab', 'x'))).rejects.toMatchObject({ code: 'OAUTH_PROVIDER_UNKNOWN' });
    const { userId } = await seedLink(store, 'oidc', { accessToken: 'a', refreshToken: '' });
    await expect(asUser(userId, () => r.obtainAccessToken('oidc', userId))).rejects.toMatchObject({ code: 'OAUTH_REFRESH_TOKEN_MISSING' });
  });

  describe('encryption at rest and authorization', () => {
    it('stores tokens as ciphertext with the key id, and hands the caller plaintext', async () => {
      const { userId, accessToken, refreshToken } = await oidcLink();
      const raw = await rawTokenColumns(db.driver, 'external_auth_links', { providerId: 'oidc', userId });
      expect(stack.keyIds).toHaveLength(1);
      expect(raw).toMatchObject({ accessKeyId: stack.keyIds[0], refreshKeyId: stack.keyIds[0] });
      expect(raw.access).not.toBe(accessToken);
      expect(raw.refresh).not.toBe(refreshToken);
      expect(raw.access).not.toContain(accessToken);

      const token = await asUser(userId, () => refresher().obtainAccessToken('oidc', userId));
      secrets.push(token);
      const link = await readLink(store, 'oidc', userId);
      secrets.push(link.oauthRefreshToken);
      expect(link.oauthAccessToken).toBe(token);
      // The refreshed pair was written encrypted too, each value with a fresh nonce.
      const after = await rawTokenColumns(db.driver, 'external_auth_links', { providerId: 'oidc', userId });
      expect(after).toMatchObject({ accessKeyId: stack.keyIds[0], refreshKeyId: stack.keyIds[0] });
      for (const value of [token, link.oauthRefreshToken]) {
        expect(after.access).not.toContain(value);
        expect(after.refresh).not.toContain(value);
      }
      expect(after.access).not.toBe(raw.access);
      // Nothing in the whole table is plaintext.
      const { rows } = await db.driver.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM external_auth_links WHERE oauth_access_token_key_id IS NULL OR oauth_refresh_token_key_id IS NULL',
      );
      expect(Number(rows[0]!.n)).toBe(0);
    });

    it('after a permanent failure the cleared refresh token is ciphertext at rest and decrypts to \'\' through the stack', async () => {
      const { userId } = await seedLink(store, 'oidc', { accessToken: 'expired-access', refreshToken: 'dead-refresh-at-rest' });
      await expect(asUser(userId, () => refresher().obtainAccessToken('oidc', userId))).rejects.toMatchObject({ code: 'OAUTH_REFRESH_REJECTED' });
      const raw = await rawTokenColumns(db.driver, 'external_auth_links', { providerId: 'oidc', userId });
      expect(raw.refresh).not.toBe('');
      expect(raw.refreshKeyId).toBe(stack.keyIds[0]);
      const link = await readLink(store, 'oidc', userId);
      expect(link.oauthRefreshToken).toBe('');
      expect(link.oauthRefreshFailureReason).toContain('invalid_grant');
      expect(logs.text()).not.toContain('dead-refresh-at-rest');
    });

    it('refuses another user\'s actor with an authorization error, never an InvalidTokenError, and spends nothing', async () => {
      const { userId, accessToken, refreshToken } = await oidcLink();
      const { userId: mallory } = await seedLink(store, 'oidc', { accessToken: 'mallory-access', refreshToken: 'mallory-refresh' }, FUTURE());
      const r = refresher();
      const error = await asUser(mallory, () => r.obtainAccessToken('oidc', userId)).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'DatabaseError', code: 'DB_NOT_AUTHORIZED' });
      expect(error).not.toBeInstanceOf(InvalidTokenError);
      expect(String((error as Error).message)).not.toContain(accessToken);
      // Fresh token or not, no actor at all is an error too, not full access.
      await expect(r.obtainAccessToken('oidc', mallory)).rejects.toMatchObject({ code: 'DB_NO_ACTOR' });
      expect(op.stats.refreshCalls).toBe(0);
      expect(await readLink(store, 'oidc', userId)).toMatchObject({ oauthAccessToken: accessToken, oauthRefreshToken: refreshToken });
      // The owner still gets theirs; the system (background work) may too.
      const token = await asUser(userId, () => r.obtainAccessToken('oidc', userId));
      secrets.push(token);
      expect(await asSystem(() => r.obtainAccessToken('oidc', userId))).toBe(token);
    });

    it('never lets another user join an owner\'s refresh in flight', async () => {
      const { userId } = await oidcLink();
      const { userId: mallory } = await seedLink(store, 'unused', { accessToken: 'm', refreshToken: 'm' }, FUTURE());
      op.injectFaults({ kind: 'delay', ms: 300 });
      const r = refresher();
      const owners = [asUser(userId, () => r.obtainAccessToken('oidc', userId)), asSystem(() => r.obtainAccessToken('oidc', userId))];
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(asUser(mallory, () => r.obtainAccessToken('oidc', userId))).rejects.toMatchObject({ code: 'DB_NOT_AUTHORIZED' });
      const [a, b] = await Promise.all(owners);
      secrets.push(a!);
      expect(a).toBe(b);
      expect(op.stats.refreshCalls).toBe(1);
    });

    it('logs the refresh and its failures without any token or the key', async () => {
      const debug = captureLogs('debug');
      const { userId, accessToken, refreshToken } = await oidcLink();
      const dead = await seedLink(store, 'github', { accessToken: 'gh-expired-access', refreshToken: 'gh-dead-refresh' });
      const r = refresher({ logger: debug.logger });
      const token = await asUser(userId, () => r.obtainAccessToken('oidc', userId));
      await expect(asUser(dead.userId, () => r.obtainAccessToken('github', dead.userId))).rejects.toBeInstanceOf(InvalidTokenError);
      const link = await readLink(store, 'oidc', userId);
      const text = debug.text() + logs.text();
      expect(debug.lines().some((l) => l.msg === 'token refreshed')).toBe(true);
      expect(debug.lines().some((l) => String(l.msg).includes('rejected the refresh token'))).toBe(true);
      const raw = await rawTokenColumns(db.driver, 'external_auth_links', { providerId: 'oidc', userId });
      for (const secret of [key, token, accessToken, refreshToken, link.oauthRefreshToken, 'gh-dead-refresh', 'gh-expired-access', raw.access, raw.refresh]) {
        expect(text).not.toContain(secret);
      }
    });
  });

  describe('obtainOIDCAccessToken', () => {
    async function loginLink(expiry: Date, tokens: { accessToken: string; refreshToken: string }) {
      const { userId } = await seedLink(store, 'unused', { accessToken: 'x', refreshToken: 'y' }, FUTURE());
      await asSystem(() => store.insertUserLink({
        userId, loginType: 'oidc', linkedId: 'sub', oauthAccessToken: tokens.accessToken, oauthAccessTokenKeyId: null,
        oauthRefreshToken: tokens.refreshToken, oauthRefreshTokenKeyId: null, oauthExpiry: expiry,
      }));
      return userId;
    }

    it('refreshes the login token 10 minutes before it expires', async () => {
      const tokens = await op.mintTokens('login');
      secrets.push(tokens.accessToken, tokens.refreshToken);
      const userId = await loginLink(new Date(Date.now() + 5 * 60_000), tokens);
      const r = refresher({ loginProvider: op.providerConfig('login') });
      const token = await asUser(userId, () => r.obtainOIDCAccessToken(userId));
      secrets.push(token);
      expect(token).not.toBe(tokens.accessToken);
      expect(op.stats.refreshCalls).toBe(1);
      expect((await asSystem(() => store.getUserLinkByUserIDLoginType({ userId, loginType: 'oidc' })))?.oauthAccessToken).toBe(token);
    });

    it('keeps the login token encrypted at rest and lets only the user or the system obtain it', async () => {
      const tokens = await op.mintTokens('login-at-rest');
      secrets.push(tokens.accessToken, tokens.refreshToken);
      const userId = await loginLink(new Date(Date.now() + 5 * 60_000), tokens);
      const { userId: other } = await seedLink(store, 'unused', { accessToken: 'o', refreshToken: 'o' }, FUTURE());
      const r = refresher({ loginProvider: op.providerConfig('login') });
      // user_links is system-only in the store: the user's own actor cannot read it directly...
      await expect(asUser(userId, () => store.getUserLinkByUserIDLoginType({ userId, loginType: 'oidc' }))).rejects.toMatchObject({ code: 'DB_NOT_AUTHORIZED' });
      // ...but the refresher obtains it for them (as the system), and for no one else.
      const token = await asUser(userId, () => r.obtainOIDCAccessToken(userId));
      secrets.push(token);
      expect(token).not.toBe('');
      await expect(asUser(other, () => r.obtainOIDCAccessToken(userId))).rejects.toMatchObject({ name: 'DatabaseError', code: 'DB_NOT_AUTHORIZED' });
      await expect(r.obtainOIDCAccessToken(userId)).rejects.toMatchObject({ code: 'DB_NO_ACTOR' });
      expect(await asSystem(() => r.obtainOIDCAccessToken(userId))).toBe(token);
      expect(op.stats.refreshCalls).toBe(1);
      const raw = await rawTokenColumns(db.driver, 'user_links', { userId });
      expect(raw).toMatchObject({ accessKeyId: stack.keyIds[0], refreshKeyId: stack.keyIds[0] });
      expect(raw.access).not.toContain(token);
      const link = await asSystem(() => store.getUserLinkByUserIDLoginType({ userId, loginType: 'oidc' }));
      secrets.push(link!.oauthRefreshToken);
      expect(raw.refresh).not.toContain(link!.oauthRefreshToken);
    });

    it('gives an empty token and a warning when the refresh fails, never an error', async () => {
      const userId = await loginLink(new Date(Date.now() - 1000), { accessToken: 'old-login-access', refreshToken: 'dead-login-refresh' });
      const r = refresher({ loginProvider: op.providerConfig('login') });
      expect(await asUser(userId, () => r.obtainOIDCAccessToken(userId))).toBe('');
      expect(logs.lines().some((l) => l.level === 40 && String(l.msg).includes('OIDC token'))).toBe(true);
      expect(logs.text()).not.toContain('dead-login-refresh');
      const link = await asSystem(() => store.getUserLinkByUserIDLoginType({ userId, loginType: 'oidc' }));
      expect(link).toMatchObject({ oauthRefreshToken: '', oauthRefreshFailureReason: expect.stringContaining('invalid_grant') });
      // Cleared by an ordinary encrypted update: ciphertext at rest, '' through the stack.
      const raw = await rawTokenColumns(db.driver, 'user_links', { userId });
      expect(raw.refresh).not.toBe('');
      expect(raw.refreshKeyId).toBe(stack.keyIds[0]);
    });
  });
});

describe.skipIf(!postgresUrl())('two replicas on PostgreSQL (full stack, encryption on)', () => {
  let db: TestDatabase;
  let key: string;
  let logs: ReturnType<typeof captureLogs>;
  /** Replica 1: the full stack over the test database's pool. */
  let first: OpenedStore;
  beforeEach(async () => {
    db = await createTestDatabase('postgres');
    key = randomEncryptionKey();
    logs = captureLogs();
    first = await openFullStack(db.driver, key, logs.logger);
    op.resetStats();
  });
  afterEach(async () => {
    await first.close();
    await db.close();
    expect(logs.text()).not.toContain(key);
  });

  it('20 concurrent callers on each of two replicas make one provider refresh and keep the family alive', async () => {
    const tokens = await op.mintTokens('replicas');
    const { userId } = await seedLink(first.store, 'oidc', tokens);
    // Replica 2: its own pool and its own openStore, the same key (as every replica of a deployment).
    const secondDriver = await openDriver(db.url, { poolSize: 5 });
    try {
      const second = await openFullStack(secondDriver, key, logs.logger);
      const replicas = [first.store, second.store].map(
        (store) => new TokenRefresher(store, { providers: [op.providerConfig('oidc')], logger: logs.logger }),
      );
      const results = await Promise.all(replicas.flatMap((r) => Array.from({ length: 20 }, () => asUser(userId, () => r.obtainAccessToken('oidc', userId)))));
      expect(new Set(results).size).toBe(1);
      expect(op.stats.refreshCalls).toBe(1);
      expect(op.stats.familiesRevoked).toBe(0);
      const link = await readLink(first.store, 'oidc', userId);
      // Either replica reads what the other wrote: same key.
      expect(await readLink(second.store, 'oidc', userId)).toEqual(link);
      // The family is alive: the stored refresh token still works at the provider.
      const client = createProviderClient(op.providerConfig('oidc'));
      const next = await client.refresh(link.oauthRefreshToken, AbortSignal.timeout(5000));
      expect(next.kind).toBe('refreshed');
      const raw = await rawTokenColumns(db.driver, 'external_auth_links', { providerId: 'oidc', userId });
      expect(raw.access).not.toBe(link.oauthAccessToken);
      expect(raw.refreshKeyId).toBe(first.keyIds[0]);
      for (const secret of [tokens.refreshToken, tokens.accessToken, link.oauthRefreshToken, link.oauthAccessToken, key]) {
        expect(logs.text()).not.toContain(secret);
      }
    } finally {
      await secondDriver.close();
    }
  });

  it('a loser whose exchange fails finds the winner\'s token on re-read and clears nothing', async () => {
    const tokens = gh.mintTokens('loser');
    const { userId } = await seedLink(first.store, 'github', tokens);
    // The winner (a replica without our lock, e.g. an older version) spends the token at the
    // provider while our exchange is in flight, and stores its result.
    const winnerClient = createProviderClient(gh.providerConfig('github'));
    gh.injectFaults({ kind: 'delay', ms: 300 });
    const ours = asUser(userId, () =>
      new TokenRefresher(first.store, { providers: [gh.providerConfig('github')], retry: FAST_RETRY, logger: logs.logger }).obtainAccessToken('github', userId),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const won = await winnerClient.refresh(tokens.refreshToken, AbortSignal.timeout(5000));
    if (won.kind !== 'refreshed') throw new Error(`winner failed: ${won.kind}`);
    await asSystem(() =>
      first.store.updateExternalAuthLinkTokens({
        providerId: 'github', userId, updatedAt: new Date(), oauthAccessToken: won.tokens.accessToken, oauthAccessTokenKeyId: null,
        oauthRefreshToken: won.tokens.refreshToken, oauthRefreshTokenKeyId: null, oauthExpiry: won.tokens.expiry, oauthExtra: null,
        oldOauthRefreshToken: tokens.refreshToken,
      }),
    );
    expect(await ours).toBe(won.tokens.accessToken);
    const link = await readLink(first.store, 'github', userId);
    expect(link).toMatchObject({ oauthRefreshToken: won.tokens.refreshToken, oauthRefreshFailureReason: '' });
  });
});

import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AUTHZ_POLICIES, DatabaseError, QUERIER_METHODS, SYSTEM_ACTOR, asActor, parseEncryptionKeys, withDbauthz, withDbcrypt } from '@coder/database';
import type { Actor, Querier, Store } from '@coder/database';
import { availableBackends, createTestDatabase } from '@coder/database/testing';
import type { TestDatabase } from '@coder/database/testing';
import { linkParams, newKey, thrown } from './helpers.js';

type Method = keyof Querier;

/**
 * One authorization case per Querier method: parameters that name `userId`'s
 * data, and who may call it. Typed as a Record over every method, and checked
 * at run time against QUERIER_METHODS: a new query without a case here fails.
 */
const CASES: Record<Method, { who: 'owner' | 'system' | 'any'; params: (userId: string) => unknown }> = {
  getExternalAuthLink: { who: 'owner', params: (userId) => ({ providerId: 'github', userId }) },
  getExternalAuthLinksByUserID: { who: 'owner', params: (userId) => ({ userId }) },
  insertExternalAuthLink: { who: 'owner', params: (userId) => linkParams(userId, `p-${randomUUID()}`) },
  updateExternalAuthLink: { who: 'owner', params: (userId) => withoutCreatedAt(linkParams(userId)) },
  updateExternalAuthLinkTokens: { who: 'owner', params: (userId) => ({ ...withoutCreatedAt(linkParams(userId)), oldOauthRefreshToken: 'x' }) },
  updateExternalAuthLinkRefreshToken: {
    who: 'owner',
    params: (userId) => ({ providerId: 'github', userId, updatedAt: new Date(), oauthRefreshToken: '', oauthRefreshTokenKeyId: null, oauthRefreshFailureReason: '', oldOauthRefreshToken: 'x' }),
  },
  deleteExternalAuthLink: { who: 'owner', params: (userId) => ({ providerId: 'nothing', userId }) },
  listExternalAuthLinks: { who: 'system', params: (userId) => ({ afterProviderId: '', afterUserId: userId, pageSize: 1 }) },
  updateExternalAuthLinkEncryption: {
    who: 'system',
    params: (userId) => ({ providerId: 'github', userId, oauthAccessToken: 'a', oauthAccessTokenKeyId: null, oauthRefreshToken: 'r', oauthRefreshTokenKeyId: null, oldOauthAccessToken: 'x', oldOauthRefreshToken: 'y' }),
  },
  acquireRefreshLock: { who: 'any', params: (userId) => ({ lockKey: `github:${userId}` }) },
  getUserLinkByUserIDLoginType: { who: 'system', params: (userId) => ({ userId, loginType: 'oidc' }) },
  insertUserLink: {
    who: 'system',
    params: (userId) => ({ userId, loginType: `l-${randomUUID()}`, linkedId: '', oauthAccessToken: 'a', oauthAccessTokenKeyId: null, oauthRefreshToken: 'r', oauthRefreshTokenKeyId: null, oauthExpiry: null }),
  },
  updateUserLink: {
    who: 'system',
    params: (userId) => ({ userId, loginType: 'oidc', oauthAccessToken: 'a', oauthAccessTokenKeyId: null, oauthRefreshToken: 'r', oauthRefreshTokenKeyId: null, oauthExpiry: null }),
  },
  updateUserLinkTokens: {
    who: 'system',
    params: (userId) => ({ userId, loginType: 'oidc', oauthAccessToken: 'a', oauthAccessTokenKeyId: null, oauthRefreshToken: 'r', oauthRefreshTokenKeyId: null, oauthExpiry: null, oldOauthRefreshToken: 'x' }),
  },
  updateUserLinkRefreshToken: {
    who: 'system',
    params: (userId) => ({ userId, loginType: 'oidc', oauthRefreshToken: '', oauthRefreshTokenKeyId: null, oauthRefreshFailureReason: '', oldOauthRefreshToken: 'x' }),
  },
  deleteUserLink: { who: 'system', params: (userId) => ({ userId, loginType: 'nothing' }) },
  listUserLinks: { who: 'system', params: (userId) => ({ afterUserId: userId, afterLoginType: '', pageSize: 1 }) },
  updateUserLinkEncryption: {
    who: 'system',
    params: (userId) => ({ userId, loginType: 'oidc', oauthAccessToken: 'a', oauthAccessTokenKeyId: null, oauthRefreshToken: 'r', oauthRefreshTokenKeyId: null, oldOauthAccessToken: 'x', oldOauthRefreshToken: 'y' }),
  },
  getDBCryptKeys: { who: 'system', params: () => undefined },
  insertDBCryptKey: { who: 'system', params: () => ({ activeKeyDigest: `t${randomUUID().slice(0, 6)}`, test: 'x' }) },
  revokeDBCryptKey: { who: 'system', params: () => ({ activeKeyDigest: 'no-such-key' }) },
  getUserByID: { who: 'owner', params: (userId) => ({ id: userId }) },
  insertUser: { who: 'system', params: () => ({ id: randomUUID(), username: `n-${randomUUID()}`, name: '' }) },
};

function withoutCreatedAt<T extends { createdAt: Date }>(p: T): Omit<T, 'createdAt'> {
  const { createdAt: _createdAt, ...rest } = p;
  return rest;
}

const covered = new Set<string>();

describe('authorization coverage', () => {
  it('has a case and a policy for every Querier method, and no stale ones', () => {
    expect(Object.keys(CASES).sort()).toEqual([...QUERIER_METHODS].sort());
    expect(Object.keys(AUTHZ_POLICIES).sort()).toEqual([...QUERIER_METHODS].sort());
    for (const method of QUERIER_METHODS) expect(CASES[method].who).toBe(AUTHZ_POLICIES[method].kind);
  });
});

describe.each(availableBackends())('dbauthz on %s', (backend) => {
  let db: TestDatabase;
  let store: Store;
  const alice = randomUUID();
  const bob = randomUUID();
  const asAlice: Actor = { id: alice, roles: ['member'] };

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    store = withDbauthz(await withDbcrypt(db.store, { keys: parseEncryptionKeys(newKey()) }));
    await asActor(SYSTEM_ACTOR, async () => {
      for (const id of [alice, bob]) {
        await store.insertUser({ id, username: id, name: '' });
        await store.insertExternalAuthLink(linkParams(id));
        await store.insertUserLink({ userId: id, loginType: 'oidc', linkedId: '', oauthAccessToken: 'a', oauthAccessTokenKeyId: null, oauthRefreshToken: 'r', oauthRefreshTokenKeyId: null, oauthExpiry: null });
      }
    });
  });
  afterAll(async () => {
    await db.close();
    // Runs after every backend: each method was exercised allowed and denied.
    expect([...covered].sort()).toEqual([...QUERIER_METHODS].flatMap((m) => [`${m} allowed`, `${m} denied`]).sort());
  });

  const call = (method: Method, params: unknown) => (store[method] as (p: unknown) => Promise<unknown>)(params);
  const authzCode = async (fn: () => Promise<unknown>): Promise<string | undefined> => {
    try {
      await fn();
      return undefined;
    } catch (error) {
      if (error instanceof DatabaseError && (error.code === 'DB_NOT_AUTHORIZED' || error.code === 'DB_NO_ACTOR')) return error.code;
      // Anything else (a constraint, no row) means the call got past authorization.
      return undefined;
    }
  };

  it.each(QUERIER_METHODS.map((m) => [m]))('%s: no actor is refused with DB_NO_ACTOR', async (method) => {
    const error = await thrown(() => call(method, CASES[method].params(alice)));
    expect(error.code).toBe('DB_NO_ACTOR');
  });

  it.each(QUERIER_METHODS.map((m) => [m]))('%s: allowed and denied as its policy says', async (method) => {
    const c = CASES[method];
    // The system actor may call everything.
    expect(await authzCode(() => asActor(SYSTEM_ACTOR, () => call(method, c.params(alice))))).toBeUndefined();
    // A user on their own data.
    const own = await authzCode(() => asActor(asAlice, () => call(method, c.params(alice))));
    expect(own).toBe(c.who === 'system' ? 'DB_NOT_AUTHORIZED' : undefined);
    // A user on someone else's data.
    const others = await authzCode(() => asActor(asAlice, () => call(method, c.params(bob))));
    expect(others).toBe(c.who === 'any' ? undefined : 'DB_NOT_AUTHORIZED');
    covered.add(`${method} allowed`);
    if (c.who !== 'any' || own === undefined) covered.add(`${method} denied`);
  });

  it('reaches only the caller\'s own links, inside transactions too', async () => {
    const mine = await asActor(asAlice, () => store.getExternalAuthLinksByUserID({ userId: alice }));
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((l) => l.userId))).toEqual(new Set([alice]));
    const error = await thrown(() => asActor(asAlice, () => store.inTx((tx) => tx.getExternalAuthLink({ providerId: 'github', userId: bob }))));
    expect(error.code).toBe('DB_NOT_AUTHORIZED');
    expect((await thrown(() => store.inTx(async () => 1))).code).toBe('DB_NO_ACTOR');
  });
});

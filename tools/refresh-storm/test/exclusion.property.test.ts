import { randomBytes } from 'node:crypto';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SYSTEM_ACTOR, asActor, openStore } from '@coder/database';
import type { Store } from '@coder/database';
import { createTestDatabase, postgresUrl } from '@coder/database/testing';
import type { TestDatabase } from '@coder/database/testing';
import { REFRESH_STEPS } from '@coder/externalauth';
import type { RefreshStep } from '@coder/externalauth';
import { captureLogs, startOidcProvider } from '@coder/externalauth/testing';
import type { TestOidcProvider } from '@coder/externalauth/testing';
import { startProcessReplicas } from '../src/process-replicas.js';
import type { ReplicaSet } from '../src/replicas.js';

const REPLICAS = 3;
const STALL_STEPS = REFRESH_STEPS.filter((step) => step !== 'exclusion-lost');

// The exclusion under random interleavings: every replica process waits a random time at
// every step of the refresh; however the steps of the replicas interleave, a refresh token
// reaches the (strict, rotating) provider once.
describe.skipIf(!postgresUrl())('cross-process exclusion under random interleavings (PostgreSQL)', () => {
  let db: TestDatabase;
  let op: TestOidcProvider;
  let replicas: ReplicaSet & { output(): string };
  /** The full stack (encryption on, authorization on): seeding and reading back as the system. */
  let store: Store;
  const encryptionKey = randomBytes(32).toString('base64');
  const secrets = new Set<string>([encryptionKey]);
  const system = <T>(fn: () => Promise<T>) => asActor(SYSTEM_ACTOR, fn);

  /** A new user whose link holds `tokens`, already expired. */
  async function seedExpiredLink(account: string, tokens: { accessToken: string; refreshToken: string }): Promise<string> {
    const userId = crypto.randomUUID();
    await system(async () => {
      await store.insertUser({ id: userId, username: account, name: '' });
      const now = new Date();
      await store.insertExternalAuthLink({
        providerId: 'oidc', userId, createdAt: now, updatedAt: now, oauthAccessToken: tokens.accessToken, oauthAccessTokenKeyId: null,
        oauthRefreshToken: tokens.refreshToken, oauthRefreshTokenKeyId: null, oauthExpiry: new Date(Date.now() - 60_000), oauthExtra: null,
      });
    });
    return userId;
  }

  beforeAll(async () => {
    [db, op] = await Promise.all([createTestDatabase('postgres'), startOidcProvider()]);
    // Registers the key before the replica processes (same key, over IPC) start.
    ({ store } = await openStore({ driver: db.driver, encryptionKeys: encryptionKey, logger: captureLogs().logger, authorize: true }));
    replicas = await startProcessReplicas(REPLICAS, { databaseUrl: db.url!, encryptionKey, poolSize: 4 });
  });
  afterAll(async () => {
    await replicas?.close();
    // No token value of any run appears in what the replica processes logged.
    const output = replicas?.output() ?? '';
    expect(output).toContain('token refreshed');
    for (const secret of secrets) expect(output).not.toContain(secret);
    await Promise.all([db?.close(), op?.close()]);
  });

  const delays = fc.record(Object.fromEntries(STALL_STEPS.map((step) => [step, fc.integer({ min: 0, max: 40 })])) as Record<RefreshStep, fc.Arbitrary<number>>);

  it('never makes two provider calls for one refresh token', { timeout: 100_000 }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(delays, { minLength: REPLICAS, maxLength: REPLICAS }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: REPLICAS, maxLength: REPLICAS }),
        async (perReplicaDelays, callers) => {
          run++;
          const account = `prop-${run}`;
          const tokens = await op.mintTokens(account);
          secrets.add(tokens.accessToken).add(tokens.refreshToken);
          const userId = await seedExpiredLink(account, tokens);
          const reusesBefore = op.stats.refreshTokenReuses;
          const familiesBefore = op.stats.familiesRevoked;
          // Each replica process gets its own delay profile, then its callers, all at once.
          await replicas.configure(
            { mode: 'protected', provider: op.providerConfig('oidc'), lockTimeoutMs: 2_000 },
            perReplicaDelays.map((d) => ({ delays: d })),
          );
          const results = await Promise.all(
            callers.flatMap((n, r) => Array.from({ length: n }, () => replicas.obtain(r, 'oidc', userId))),
          );
          for (const result of results) expect(result.error, JSON.stringify(result.error)).toBeUndefined();
          const issued = new Set(results.map((result) => result.token!));
          for (const token of issued) secrets.add(token);
          const link = await system(() => store.getExternalAuthLink({ providerId: 'oidc', userId }));
          secrets.add(link!.oauthAccessToken).add(link!.oauthRefreshToken);
          expect(issued.size).toBe(1);
          expect(op.stats.refreshCallsByAccount.get(account)).toBe(1);
          expect(op.stats.refreshTokenReuses - reusesBefore).toBe(0);
          expect(op.stats.familiesRevoked - familiesBefore).toBe(0);
          expect(link!.oauthAccessToken).toBe([...issued][0]);
          expect(await op.isRefreshTokenAlive(link!.oauthRefreshToken)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('has teeth: without the cross-process lock (singleflight) the same property fails', { timeout: 60_000 }, async () => {
    const outcome = await fc.check(
      fc.asyncProperty(fc.constant(0), async () => {
        const account = `teeth-${crypto.randomUUID()}`;
        const tokens = await op.mintTokens(account);
        secrets.add(tokens.accessToken).add(tokens.refreshToken);
        const userId = await seedExpiredLink(account, tokens);
        await replicas.configure({ mode: 'singleflight', provider: op.providerConfig('oidc') });
        const results = await Promise.all(Array.from({ length: REPLICAS * 2 }, (_, i) => replicas.obtain(i % REPLICAS, 'oidc', userId)));
        for (const result of results) if (result.token) secrets.add(result.token);
        expect(op.stats.refreshCallsByAccount.get(account)).toBe(1);
      }),
      { numRuns: 5 },
    );
    expect(outcome.failed).toBe(true);
  });
});

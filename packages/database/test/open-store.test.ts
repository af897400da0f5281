import { afterEach, describe, expect, it } from 'vitest';

import { DB_METRIC_NAMES, SYSTEM_ACTOR, asActor, keyDigest, openStore } from '@coder/database';
import type { OpenedStore } from '@coder/database';
import { availableBackends, createTestDatabase } from '@coder/database/testing';
import type { TestDatabase } from '@coder/database/testing';
import { insertUser, linkParams, memoryLogger, newKey, thrown } from './helpers.js';

const open: Array<TestDatabase | OpenedStore> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

describe.each(availableBackends())('openStore on %s', (backend) => {
  it('builds driver → retry → dbcrypt → dbauthz → dbmetrics from options and environment', async () => {
    const db = await createTestDatabase(backend);
    open.push(db);
    const key = newKey();
    const log = memoryLogger();
    process.env.CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS = key;
    let opened: OpenedStore;
    try {
      opened = await openStore({ driver: db.driver, logger: log.logger, queryMetrics: true });
    } finally {
      delete process.env.CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS;
    }
    open.push(opened);
    const { store, registry, keyIds } = opened;
    expect(keyIds).toEqual([keyDigest(Buffer.from(key, 'base64'))]);
    // Authorization: no actor, no access.
    expect((await thrown(() => store.getUserByID({ id: '00000000-0000-4000-8000-000000000000' }))).code).toBe('DB_NO_ACTOR');
    const user = await asActor(SYSTEM_ACTOR, async () => {
      const id = await insertUser(store);
      await store.insertExternalAuthLink(linkParams(id, 'github', 'gho_open_store', 'ghr_open_store'));
      return id;
    });
    // Encryption: ciphertext at rest, plaintext through the stack.
    const { rows } = await db.driver.pool.query('SELECT oauth_access_token FROM external_auth_links WHERE user_id = $1', [user]);
    expect(rows[0].oauth_access_token).not.toBe('gho_open_store');
    const link = await asActor({ id: user, roles: ['member'] }, () => store.inTx((tx) => tx.getExternalAuthLink({ providerId: 'github', userId: user }), { txId: 'read-link' }));
    expect(link?.oauthAccessToken).toBe('gho_open_store');
    // Metrics.
    const executions = await registry.getSingleMetric(DB_METRIC_NAMES.txExecutions)!.get();
    expect(executions.values.map((v) => [v.labels.tx_id, v.value])).toEqual([['read-link', 1]]);
    expect(await registry.metrics()).toContain(`${DB_METRIC_NAMES.queryLatencies}_count{query="insertExternalAuthLink"} 1`);
    // Never a token or key in the logs.
    expect(log.text()).not.toContain(key);
    expect(log.text()).not.toContain('gho_open_store');
  });
});

import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { DB_METRIC_NAMES, createSqlStore, sqlState, withDbMetrics, withTxRetry } from '@coder/database';
import type { Store } from '@coder/database';
import { availableBackends, createTestDatabase, postgresUrl } from '@coder/database/testing';
import type { TestDatabase } from '@coder/database/testing';
import { insertUser, linkParams, memoryLogger, thrown } from './helpers.js';

const open: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

async function metricValues(registry: Registry, name: string) {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values ?? [];
}

describe.each(availableBackends())('dbmetrics on %s', (backend) => {
  it('counts transactions by success, retries and tx id, and times them', async () => {
    const db = await createTestDatabase(backend);
    open.push(db);
    const registry = new Registry();
    const store = withDbMetrics(withTxRetry(db.store, { logger: memoryLogger().logger }), { registry, queryLatencies: false });
    await store.inTx(async (tx) => tx.getUserByID({ id: '00000000-0000-4000-8000-000000000000' }), { txId: 'read' });
    await store.inTx(async (tx) => tx.inTx(async () => 1), {});
    const failure = await thrown(() => store.inTx(async () => Promise.reject(Object.assign(new Error('boom'), { code: 'X_TEST' })), { txId: 'read' }));
    expect(failure.code).toBe('X_TEST');
    const executions = await metricValues(registry, DB_METRIC_NAMES.txExecutions);
    expect(executions.map((v) => [v.labels, v.value])).toEqual([
      [{ success: 'true', tx_id: 'read', retries: '0' }, 1],
      [{ success: 'true', tx_id: 'unlabeled', retries: '0' }, 1],
      [{ success: 'false', tx_id: 'read', retries: '0' }, 1],
    ]);
    const durations = await metricValues(registry, DB_METRIC_NAMES.txDuration);
    const counts = durations.filter((v) => (v as { metricName?: string }).metricName === `${DB_METRIC_NAMES.txDuration}_count`);
    expect(counts.map((v) => [v.labels, v.value])).toEqual([
      [{ success: 'true', tx_id: 'read' }, 1],
      [{ success: 'true', tx_id: 'unlabeled' }, 1],
      [{ success: 'false', tx_id: 'read' }, 1],
    ]);
    // Per-query latency is opt-in.
    expect(registry.getSingleMetric(DB_METRIC_NAMES.queryLatencies)).toBeUndefined();
  });

  it('records per-query latency when opted in (option or CODER_PROMETHEUS_COLLECT_DB_METRICS=true)', async () => {
    const db = await createTestDatabase(backend);
    open.push(db);
    for (const [registry, store] of [
      ((r) => [r, withDbMetrics(db.store, { registry: r, queryLatencies: true })] as const)(new Registry()),
      ((r) => {
        process.env.CODER_PROMETHEUS_COLLECT_DB_METRICS = 'true';
        try {
          return [r, withDbMetrics(db.store, { registry: r })] as const;
        } finally {
          delete process.env.CODER_PROMETHEUS_COLLECT_DB_METRICS;
        }
      })(new Registry()),
    ]) {
      await store.getUserByID({ id: '00000000-0000-4000-8000-000000000000' });
      await store.inTx((tx) => tx.getUserByID({ id: '00000000-0000-4000-8000-000000000000' }));
      const values = await metricValues(registry, DB_METRIC_NAMES.queryLatencies);
      const count = values.find((v) => (v as { metricName?: string }).metricName === `${DB_METRIC_NAMES.queryLatencies}_count` && v.labels.query === 'getUserByID');
      expect(count?.value).toBe(2);
    }
  });

  it('never retries outside serializable or on other errors', async () => {
    const db = await createTestDatabase(backend);
    open.push(db);
    const log = memoryLogger();
    const store = withTxRetry(db.store, { logger: log.logger });
    let calls = 0;
    const error = await thrown(() =>
      store.inTx(
        async (tx) => {
          calls++;
          await tx.getUserByID({ id: 'not-a-uuid' });
        },
        { isolation: 'serializable', txId: 'bad-input' },
      ),
    );
    expect(sqlState(error)).toBe('22P02');
    expect(calls).toBe(1);
    // 40001 outside serializable: not retried either.
    calls = 0;
    const fake = await thrown(() =>
      store.inTx(async () => {
        calls++;
        throw Object.assign(new Error('could not serialize'), { code: '40001' });
      }),
    );
    expect(sqlState(fake)).toBe('40001');
    expect(calls).toBe(1);
    expect(log.lines).toEqual([]);
  });
});

describe.skipIf(!postgresUrl())('serializable retries on PostgreSQL', () => {
  // Two links; each transaction reads the other user's link and rewrites its
  // own: the classic write skew that SSI aborts with 40001.
  async function setup() {
    const db = await createTestDatabase('postgres', { poolSize: 4 });
    open.push(db);
    const users = [await insertUser(db.store), await insertUser(db.store)] as const;
    for (const u of users) await db.store.insertExternalAuthLink(linkParams(u));
    return { db, users };
  }

  const rewrite = (tx: Store, userId: string, token: string) => {
    const { createdAt: _c, ...p } = linkParams(userId, 'github', token, token);
    return tx.updateExternalAuthLink(p);
  };

  function barrier(n: number) {
    let waiting = 0;
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    return async () => {
      waiting++;
      if (waiting >= n) release();
      await done;
    };
  }

  it('retries a write-skew 40001 to success, logging WARN with tx id and attempt, and counts the retry', async () => {
    const { db, users } = await setup();
    const log = memoryLogger();
    const registry = new Registry();
    const store = withDbMetrics(withTxRetry(createSqlStore(db.driver), { logger: log.logger }), { registry, queryLatencies: false });
    const meet = barrier(2);
    const attempts = [0, 0];
    const run = (i: 0 | 1) =>
      store.inTx(
        async (tx) => {
          attempts[i]!++;
          await tx.getExternalAuthLink({ providerId: 'github', userId: users[1 - i]! });
          // Both read before either writes (first attempt only).
          if (attempts[i] === 1) await meet();
          await rewrite(tx, users[i], `token-${i}-${attempts[i]}`);
        },
        { isolation: 'serializable', txId: 'skew' },
      );
    await Promise.all([run(0), run(1)]);
    expect(attempts[0]! + attempts[1]!).toBe(3);
    const warns = log.lines.filter((l) => l.level === 40);
    expect(warns).toEqual([expect.objectContaining({ txId: 'skew', attempt: 1, maxAttempts: 3, sqlState: '40001' })]);
    expect(log.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    const executions = await metricValues(registry, DB_METRIC_NAMES.txExecutions);
    expect(executions.map((v) => `${v.labels.success} ${v.labels.retries} ${v.labels.tx_id} ${v.value}`).sort()).toEqual(['true 0 skew 1', 'true 1 skew 1']);
  });

  it('gives up after 3 attempts with the 40001 error: WARN twice, then ERROR', async () => {
    const { db, users } = await setup();
    const log = memoryLogger();
    const registry = new Registry();
    const store = withDbMetrics(withTxRetry(createSqlStore(db.driver), { logger: log.logger }), { registry, queryLatencies: false });
    let attempts = 0;
    // Every attempt collides with a fresh concurrent writer that commits first.
    const error = await thrown(() =>
      store.inTx(
        async (tx) => {
          attempts++;
          await tx.getExternalAuthLink({ providerId: 'github', userId: users[1] });
          const other = await db.driver.pool.connect();
          try {
            await other.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
            await other.query("SELECT * FROM external_auth_links WHERE user_id = $1 AND provider_id = 'github'", [users[0]]);
            await other.query("UPDATE external_auth_links SET oauth_access_token = 'other' WHERE user_id = $1", [users[1]]);
            await other.query('COMMIT');
          } finally {
            other.release();
          }
          await rewrite(tx, users[0], `doomed-${attempts}`);
        },
        { isolation: 'serializable', txId: 'doomed' },
      ),
    );
    expect(sqlState(error)).toBe('40001');
    expect(attempts).toBe(3);
    expect(log.lines.map((l) => [l.level, l.txId, l.attempt ?? l.attempts])).toEqual([
      [40, 'doomed', 1],
      [40, 'doomed', 2],
      [50, 'doomed', 3],
    ]);
    const executions = await metricValues(registry, DB_METRIC_NAMES.txExecutions);
    expect(executions.map((v) => [v.labels, v.value])).toEqual([[{ success: 'false', tx_id: 'doomed', retries: '2' }, 1]]);
  });
});

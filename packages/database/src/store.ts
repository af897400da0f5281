import type pg from 'pg';

import type { Driver, Executor } from './driver.js';
import { bindQuerier } from './queries.gen.js';
import type { Querier } from './queries.gen.js';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TxOptions {
  /** Default: PostgreSQL's own default, read committed. */
  isolation?: IsolationLevel;
  /** Names the transaction in metrics and logs (empty is reported as "unlabeled"). */
  txId?: string;
  /** Gives up waiting for a lock (row or advisory) after this long, SQLSTATE 55P03. */
  lockTimeoutMs?: number;
  /**
   * Called as each attempt starts (1, 2, ...): the retry layer runs a
   * serializable transaction again after SQLSTATE 40001, and the metrics
   * layer counts attempts through this.
   */
  onAttempt?: (attempt: number) => void;
}

/**
 * Every query, plus transactions. Layers (encryption, metrics, authorization)
 * wrap a Store and are themselves a Store.
 */
export interface Store extends Querier {
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when
   * it throws. Inside a transaction, `inTx` joins the one already open.
   *
   * @example
   * await store.inTx(async (tx) => {
   *   await tx.acquireRefreshLock({ lockKey: 'github:' + userId });
   *   const link = await tx.getExternalAuthLink({ providerId: 'github', userId });
   * }, { txId: 'refresh' });
   */
  inTx<T>(fn: (tx: Store) => Promise<T>, options?: TxOptions): Promise<T>;
}

/** The Store that talks to the database itself: the bottom of every layer stack. */
export function createSqlStore(driver: Pick<Driver, 'pool'>): Store {
  return sqlStore(driver.pool, null);
}

function sqlStore(pool: pg.Pool, tx: Executor | null): Store {
  const store: Store = {
    ...bindQuerier(tx ?? pool),
    async inTx(fn, options = {}) {
      if (tx) return fn(store);
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${(options.isolation ?? 'read committed').toUpperCase()}`);
        if (options.lockTimeoutMs !== undefined) {
          await client.query(`SET LOCAL lock_timeout = ${Math.max(0, Math.round(options.lockTimeoutMs))}`);
        }
        const result = await fn(sqlStore(pool, client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable (dropped): do not hand it back to the pool.
          broken = rollbackError;
        }
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
  };
  return store;
}

import type { Logger } from 'pino';

import { sqlState } from '../errors.js';
import type { Store, TxOptions } from '../store.js';

/** Attempts in total (the first one included) before a serialization failure is given up. */
export const DEFAULT_SERIALIZABLE_ATTEMPTS = 3;

/** SQLSTATE serialization_failure: the only error worth running the transaction again for. */
const SERIALIZATION_FAILURE = '40001';

export interface TxRetryOptions {
  logger: Logger;
  /** Default `DEFAULT_SERIALIZABLE_ATTEMPTS`. */
  maxAttempts?: number;
}

/**
 * Runs a `serializable` transaction again when it fails with SQLSTATE 40001
 * (PostgreSQL detected a conflict with a concurrent transaction and rolled
 * this one back; running it again is the documented remedy:
 * https://www.postgresql.org/docs/current/mvcc-serialization-failure-handling.html).
 * Each retry is logged at WARN with the tx id and attempt; giving up at ERROR,
 * and the original error is thrown. Other isolation levels and other errors
 * are never retried. Nested `inTx` calls join the outer transaction and are
 * not retried on their own. Attempts reach `options.onAttempt` (metrics).
 *
 * @example
 * const store = withTxRetry(createSqlStore(driver), { logger: pino() });
 * await store.inTx(async (tx) => { ... }, { isolation: 'serializable', txId: 'transfer' });
 */
export function withTxRetry(inner: Store, options: TxRetryOptions): Store {
  const maxAttempts = options.maxAttempts ?? DEFAULT_SERIALIZABLE_ATTEMPTS;
  const logger = options.logger;
  return {
    ...inner,
    async inTx(fn, txOptions: TxOptions = {}) {
      const { onAttempt, ...rest } = txOptions;
      const txId = txOptions.txId || 'unlabeled';
      for (let attempt = 1; ; attempt++) {
        onAttempt?.(attempt);
        try {
          return await inner.inTx((tx) => fn(joined(tx)), rest);
        } catch (error) {
          if (txOptions.isolation !== 'serializable' || sqlState(error) !== SERIALIZATION_FAILURE) throw error;
          if (attempt >= maxAttempts) {
            logger.error({ txId, attempts: attempt, sqlState: SERIALIZATION_FAILURE }, 'serializable transaction failed after the last attempt');
            throw error;
          }
          logger.warn({ txId, attempt, maxAttempts, sqlState: SERIALIZATION_FAILURE }, 'serializable transaction conflicted; retrying');
        }
      }
    },
  };
}

// Inside a transaction inTx joins it: no retry loop of its own.
function joined(tx: Store): Store {
  return { ...tx, inTx: (fn, options) => tx.inTx((inner) => fn(joined(inner)), options) };
}

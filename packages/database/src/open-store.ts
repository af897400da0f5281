import pino from 'pino';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';

import { openDriver } from './driver.js';
import type { Driver, OpenDriverOptions } from './driver.js';
import { withDbauthz } from './layers/dbauthz.js';
import { parseEncryptionKeys } from './layers/dbcrypt-cipher.js';
import { withDbcrypt } from './layers/dbcrypt.js';
import { withDbMetrics } from './layers/dbmetrics.js';
import { withTxRetry } from './layers/tx-retry.js';
import { migrateToLatest } from './migrate/runner.js';
import { createSqlStore } from './store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** Default: `DATABASE_URL`, else embedded PGlite in `.data/pglite` (see `openDriver`). */
  databaseUrl?: string;
  /** Use this open driver instead of opening one (it is not closed by `close`). */
  driver?: Driver;
  driverOptions?: OpenDriverOptions;
  /** Comma-separated base64 keys, primary first. Default: `CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS`; empty: plaintext. */
  encryptionKeys?: string;
  /** Default: a new registry (read it from the result). */
  registry?: Registry;
  /** Per-query latency metrics. Default: `CODER_PROMETHEUS_COLLECT_DB_METRICS=true`. */
  queryMetrics?: boolean;
  /** Default: pino at info to stderr. */
  logger?: Logger;
  /** Check every call against the actor in context (default true). Turn off only in tools that act as the system anyway. */
  authorize?: boolean;
  /** Migrate to the latest schema first (default false). */
  migrate?: boolean;
  /** Attempts of a serializable transaction (default 3). */
  maxSerializableAttempts?: number;
}

export interface OpenedStore {
  store: Store;
  driver: Driver;
  registry: Registry;
  /** Ids of the configured encryption keys, primary first ([] when encryption is off). Safe to print. */
  keyIds: string[];
  close(): Promise<void>;
}

/**
 * Opens the database and builds the layer stack, innermost first:
 * SQL store → serializable retry → dbcrypt → dbauthz → dbmetrics.
 * Retries sit right above SQL so each attempt re-runs the whole layered
 * transaction; dbcrypt sits below dbauthz so authorization sees (and the
 * caller gets) plaintext; dbmetrics is outermost so it times everything,
 * authorization included, and counts one transaction per caller.
 *
 * @example
 * const { store, registry, close } = await openStore({ migrate: true });
 * await asActor(SYSTEM_ACTOR, () => store.getUserByID({ id }));
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const ownsDriver = !options.driver;
  const driver = options.driver ?? (await openDriver(options.databaseUrl ?? process.env.DATABASE_URL, options.driverOptions));
  try {
    if (options.migrate) await migrateToLatest(driver);
    const logger = options.logger ?? pino({ name: 'coder-database' });
    const registry = options.registry ?? new Registry();
    const keys = parseEncryptionKeys(options.encryptionKeys ?? process.env.CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS ?? '');
    if (keys.length === 0) logger.warn('CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS is empty: tokens are stored as plaintext');
    let store = withTxRetry(createSqlStore(driver), { logger, ...(options.maxSerializableAttempts ? { maxAttempts: options.maxSerializableAttempts } : {}) });
    store = await withDbcrypt(store, { keys });
    if (options.authorize ?? true) store = withDbauthz(store);
    store = withDbMetrics(store, { registry, ...(options.queryMetrics !== undefined ? { queryLatencies: options.queryMetrics } : {}) });
    return {
      store,
      driver,
      registry,
      keyIds: keys.map((k) => k.id),
      close: async () => {
        if (ownsDriver) await driver.close();
      },
    };
  } catch (error) {
    if (ownsDriver) await driver.close();
    throw error;
  }
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import type { Logger } from 'pino';

import { migrate, openDriver, openStore, redact } from '@coder/database';
import type { Driver, Store } from '@coder/database';

/** The storm's database: a PGlite temp dir, or a scratch database on a PostgreSQL server. */
export interface StormDatabase {
  driver: Driver;
  location: string;
  /** The scratch database's URL (PostgreSQL only), for replica processes. */
  url?: string;
  /**
   * The storm's own full Store stack over `driver` (encryption with the run's
   * key, authorization on), opened once; call it after migrating (it registers
   * the key). Seeding and checks use it as SYSTEM_ACTOR.
   */
  store(): Promise<StormStack>;
  /**
   * One full Store stack per replica (openStore, same key, authorization on):
   * separate pools on PostgreSQL, the one PGlite session otherwise.
   */
  replicaStore(): Promise<Store>;
  close(): Promise<void>;
}

export interface StormStack {
  store: Store;
  /** The id (digest) of the run's key: safe to print. */
  keyId: string;
}

export interface StormDatabaseOptions {
  /** base64 of a 32-byte AES-256-GCM key; never printed. */
  encryptionKey: string;
  /** Where the stacks log (retries, warnings): the storm scans it for tokens and the key. */
  logger: Logger;
}

// Scratch databases and directories not yet removed: an interrupted run (Ctrl-C) removes them on its way out.
const leftovers = new Set<() => Promise<void>>();

/** Removes what open storm databases left behind, for an interrupted run. Best effort, never throws. */
export async function removeLeftovers(): Promise<void> {
  await Promise.all([...leftovers].map((remove) => remove().catch(() => {})));
  leftovers.clear();
}

/** Opens (creates) the storm's database; `close()` drops it. Not migrated. */
export async function openStormDatabase(url: string | undefined, options: StormDatabaseOptions): Promise<StormDatabase> {
  const extra: Driver[] = [];
  const fullStack = async (driver: Driver): Promise<StormStack> => {
    const opened = await openStore({ driver, encryptionKeys: options.encryptionKey, logger: options.logger, authorize: true });
    return { store: opened.store, keyId: opened.keyIds[0]! };
  };
  let own: Promise<StormStack> | undefined;
  const store = (driver: Driver) => (own ??= fullStack(driver));
  if (!url) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'refresh-storm-'));
    const removeDir = () => rm(dir, { recursive: true, force: true });
    leftovers.add(removeDir);
    const driver = await openDriver(path.join(dir, 'pglite'));
    return {
      driver,
      location: `embedded PGlite in ${dir}`,
      store: () => store(driver),
      replicaStore: async () => (await store(driver)).store,
      close: async () => {
        await driver.close();
        await removeDir();
        leftovers.delete(removeDir);
      },
    };
  }
  // Work in a scratch database so the storm never touches the caller's data.
  const admin = await openDriver(url, { poolSize: 1 });
  const name = `refresh_storm_${randomBytes(5).toString('hex')}`;
  try {
    await admin.pool.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const dropScratch = async () => {
    const cleanup = new pg.Client({ connectionString: url });
    await cleanup.connect();
    try {
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await cleanup.end();
    }
  };
  leftovers.add(dropScratch);
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  const driver = await openDriver(scratch.toString());
  return {
    driver,
    url: scratch.toString(),
    location: redact(scratch.toString()),
    store: () => store(driver),
    replicaStore: async () => {
      const replica = await openDriver(scratch.toString(), { poolSize: 10 });
      extra.push(replica);
      return (await fullStack(replica)).store;
    },
    close: async () => {
      await Promise.all([driver, ...extra].map((d) => d.close()));
      await dropScratch();
      leftovers.delete(dropScratch);
    },
  };
}

export const LEGACY_USER = '00000000-0000-4000-8000-00000000c0de';

/** Storm links (the legacy row aside) with a token column not encrypted with the run's key. */
export async function linksNotEncrypted(driver: Driver, keyId: string): Promise<number> {
  const { rows } = await driver.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM external_auth_links
      WHERE user_id <> $1 AND (oauth_access_token_key_id IS DISTINCT FROM $2 OR oauth_refresh_token_key_id IS DISTINCT FROM $2)`,
    [LEGACY_USER, keyId],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Migrates from zero, writing a git_auth_links row before the rename; true when it survived. */
export async function migrateWithLegacyRow(driver: Driver): Promise<boolean> {
  const throwIfFailed = (outcome: Awaited<ReturnType<typeof migrate>>) => {
    if (outcome.error) throw outcome.error;
  };
  throwIfFailed(await migrate(driver, { goto: 2 }));
  await driver.pool.query(`INSERT INTO users (id, username) VALUES ($1, 'legacy')`, [LEGACY_USER]);
  await driver.pool.query(
    `INSERT INTO git_auth_links (provider_id, user_id, created_at, updated_at, oauth_access_token, oauth_refresh_token)
     VALUES ('legacy-github', $1, now(), now(), 'legacy-access', 'legacy-refresh')`,
    [LEGACY_USER],
  );
  throwIfFailed(await migrate(driver, { direction: 'up' }));
  const { rows } = await driver.pool.query(`SELECT oauth_refresh_token FROM external_auth_links WHERE provider_id = 'legacy-github'`);
  return rows[0]?.oauth_refresh_token === 'legacy-refresh';
}

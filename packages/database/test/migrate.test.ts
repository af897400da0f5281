import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';

import { DatabaseError, describeSchema, forceVersion, loadMigrations, migrate, migrationStatus } from '@coder/database';
import { availableBackends, createTestDatabase, postgresUrl } from '@coder/database/testing';
import type { TestDatabase } from '@coder/database/testing';
import { migrationLockId } from '../src/migrate/advisory-lock.js';

const open: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

async function emptyDatabase(backend: 'pglite' | 'postgres'): Promise<TestDatabase> {
  const db = await createTestDatabase(backend, { migrated: false });
  open.push(db);
  return db;
}

const LEGACY_USER = '11111111-1111-4111-8111-111111111111';

describe.each(availableBackends())('migrations on %s', (backend) => {
  it('goes up, down to zero and up again to an identical schema', async () => {
    const { driver } = await emptyDatabase(backend);
    const migrations = await loadMigrations();

    const up = await migrate(driver, { direction: 'up' });
    expect(up.error).toBeUndefined();
    expect(up.results.map((r) => `${r.direction} ${r.version} ${r.status}`)).toEqual(
      migrations.map((m) => `up ${m.version} applied`),
    );
    const first = await describeSchema(driver.pool);
    expect(first.columns).toContain('template_versions.external_auth_providers ARRAY'.replace('ARRAY', '_text') + ' NOT NULL DEFAULT \'{}\'::text[]');
    expect(first.views.join('\n')).toContain('external_auth_providers');
    expect(first.views.join('\n')).not.toContain('git_auth');
    expect(first.constraints.join('\n')).not.toContain('git_auth');
    expect(first.indexes.join('\n')).not.toContain('git_auth');

    const down = await migrate(driver, { direction: 'down', steps: 'all' });
    expect(down.error).toBeUndefined();
    expect(down.after).toEqual({ version: null, dirty: false });
    const empty = await describeSchema(driver.pool);
    expect(empty.columns.filter((c) => !c.startsWith('schema_migrations.'))).toEqual([]);

    await migrate(driver, { direction: 'up' });
    expect(await describeSchema(driver.pool)).toEqual(first);
  });

  it('keeps a legacy git_auth_links row through the rename and back', async () => {
    const { driver } = await emptyDatabase(backend);
    await migrate(driver, { goto: 2 });
    const db = driver.pool;
    await db.query(`INSERT INTO users (id, username) VALUES ($1, 'legacy')`, [LEGACY_USER]);
    await db.query(
      `INSERT INTO git_auth_links (provider_id, user_id, created_at, updated_at, oauth_access_token, oauth_refresh_token, oauth_expiry)
       VALUES ('github', $1, now(), now(), 'gho_legacy', 'ghr_legacy', '2030-01-01Z')`,
      [LEGACY_USER],
    );
    await db.query(`INSERT INTO template_versions (id, name, created_by, git_auth_providers) VALUES (gen_random_uuid(), 'v1', $1, '{github}')`, [LEGACY_USER]);

    expect((await migrate(driver, { direction: 'up' })).error).toBeUndefined();
    const link = await db.query('SELECT provider_id, oauth_access_token, oauth_refresh_token, oauth_refresh_failure_reason FROM external_auth_links');
    expect(link.rows).toEqual([{ provider_id: 'github', oauth_access_token: 'gho_legacy', oauth_refresh_token: 'ghr_legacy', oauth_refresh_failure_reason: '' }]);
    const view = await db.query('SELECT name, external_auth_providers, created_by_username FROM template_version_with_user');
    expect(view.rows).toEqual([{ name: 'v1', external_auth_providers: ['github'], created_by_username: 'legacy' }]);

    expect((await migrate(driver, { goto: 2 })).error).toBeUndefined();
    const back = await db.query('SELECT provider_id, oauth_refresh_token FROM git_auth_links');
    expect(back.rows).toEqual([{ provider_id: 'github', oauth_refresh_token: 'ghr_legacy' }]);
    const oldView = await db.query('SELECT git_auth_providers FROM template_version_with_user');
    expect(oldView.rows).toEqual([{ git_auth_providers: ['github'] }]);
  });

  it('restores exactly the old schema when the rename is reverted', async () => {
    const { driver } = await emptyDatabase(backend);
    await migrate(driver, { goto: 2 });
    const before = await describeSchema(driver.pool);
    await migrate(driver, { goto: 3 });
    await migrate(driver, { direction: 'down' });
    expect(await describeSchema(driver.pool)).toEqual(before);
  });

  it('steps: up N, down N, goto, status', async () => {
    const { driver } = await emptyDatabase(backend);
    expect((await migrate(driver, { direction: 'up', steps: 2 })).after).toEqual({ version: 2, dirty: false });
    expect((await migrate(driver, { direction: 'down' })).after).toEqual({ version: 1, dirty: false });
    expect((await migrate(driver, { goto: 3 })).after).toEqual({ version: 3, dirty: false });
    const status = await migrationStatus(driver);
    expect(status).toMatchObject({ version: 3, dirty: false, latest: 4 });
    expect(status.migrations.map((m) => m.applied)).toEqual([true, true, true, false]);
    expect((await migrate(driver, { goto: 0 })).after).toEqual({ version: null, dirty: false });
  });

  it('refuses an unknown target version and changes nothing', async () => {
    const { driver } = await emptyDatabase(backend);
    await migrate(driver, { goto: 1 });
    const outcome = await migrate(driver, { goto: 99 });
    expect(outcome.error?.code).toBe('MIGRATION_UNKNOWN_VERSION');
    expect(outcome.after).toEqual({ version: 1, dirty: false });
    await expect(forceVersion(driver, 42)).rejects.toMatchObject({ code: 'MIGRATION_UNKNOWN_VERSION' });
  });

  it('marks a failed migration dirty, rolls it back, and refuses to go on until force', async () => {
    const { driver } = await emptyDatabase(backend);
    const migrations = await loadMigrations();
    const broken = [...migrations.slice(0, 2), { version: 3, name: 'broken', upSql: 'CREATE TABLE half_done (id int); SELECT no_such_function();', downSql: '' }];
    const outcome = await migrate(driver, { direction: 'up' }, { migrations: broken });
    expect(outcome.error).toBeInstanceOf(DatabaseError);
    expect(outcome.error?.code).toBe('MIGRATION_FAILED');
    expect(outcome.error?.message).toContain('000003_broken');
    expect(outcome.results.at(-1)).toMatchObject({ version: 3, status: 'failed' });
    expect(outcome.after).toEqual({ version: 3, dirty: true });
    const halfDone = await driver.pool.query("SELECT to_regclass('half_done') AS t");
    expect(halfDone.rows[0].t).toBeNull();

    const refused = await migrate(driver, { direction: 'up' });
    expect(refused.error?.code).toBe('MIGRATION_DIRTY');
    expect(refused.results).toEqual([]);

    await forceVersion(driver, 2);
    expect((await migrate(driver, { direction: 'up' })).after).toEqual({ version: 4, dirty: false });
  });
});

describe('migration files', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it.each([
    ['a missing down file', { '000001_a.up.sql': '' }, 'version 1 (a) has no .down.sql file'],
    ['two names for one version', { '000001_a.up.sql': '', '000001_a.down.sql': '', '000001_b.up.sql': '', '000001_b.down.sql': '' }, 'version 1 is used by two migrations: a and b'],
    ['a badly named file', { '1-a.sql': '' }, '1-a.sql: name is not NNNNNN_name.up.sql'],
  ])('rejects %s', async (_case, files, message) => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    await expect(loadMigrations(dir)).rejects.toMatchObject({ code: 'MIGRATION_SOURCE_INVALID', message: expect.stringContaining(message) });
  });
});

describe.skipIf(!postgresUrl())('the migration lock on PostgreSQL', () => {
  it('says it is waiting, then gives up with MIGRATION_LOCK_TIMEOUT while another runner holds it', async () => {
    const db = await createTestDatabase('postgres', { migrated: false });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [migrationLockId(db.driver.databaseName)]);
      let waits = 0;
      const blocked = await migrate(db.driver, { direction: 'up' }, { lockTimeoutMs: 500, onLockWait: () => waits++ }).catch((e: unknown) => e);
      expect(blocked).toMatchObject({ code: 'MIGRATION_LOCK_TIMEOUT' });
      expect(waits).toBe(1);
      await holder.query('SELECT pg_advisory_unlock_all()');
      expect((await migrate(db.driver, { direction: 'up' })).after).toEqual({ version: 4, dirty: false });
    } finally {
      await holder.end();
      await db.close();
    }
  });
});

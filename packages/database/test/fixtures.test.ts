import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { DEFAULT_MIGRATIONS_DIR, describeSchema, loadMigrations, migrate } from '@coder/database';
import type { Driver } from '@coder/database';
import { availableBackends, createTestDatabase } from '@coder/database/testing';
import type { TestDatabase } from '@coder/database/testing';

const FIXTURES_DIR = path.join(DEFAULT_MIGRATIONS_DIR, 'fixtures');

/** Tables under their name before a rename migration, mapped to their latest name. */
const RENAMED: Record<string, string> = { git_auth_links: 'external_auth_links' };

const open: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

async function fixtureFiles(): Promise<string[]> {
  return (await readdir(FIXTURES_DIR)).filter((f) => f.endsWith('.sql')).sort();
}

async function rowCounts(driver: Driver): Promise<Record<string, number>> {
  const { rows } = await driver.pool.query<{ table: string }>(
    `SELECT table_name AS table FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`,
  );
  const counts: Record<string, number> = {};
  for (const { table } of rows) {
    const { rows: n } = await driver.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
    counts[table] = n[0]!.n;
  }
  return counts;
}

describe('migration fixtures', () => {
  it('exist for every migration, and only for migrations', async () => {
    const migrations = await loadMigrations();
    expect(await fixtureFiles()).toEqual(migrations.map((m) => `${String(m.version).padStart(6, '0')}_${m.name}.up.sql`));
  });
});

describe.each(availableBackends())('stepping through migrations with fixtures on %s', (backend) => {
  it('fills every table, keeps every row on the way down, and ends at the schema built from zero', async () => {
    const db = await createTestDatabase(backend, { migrated: false });
    open.push(db);
    const migrations = await loadMigrations();
    const countsAt = new Map<number, Record<string, number>>([[0, await rowCounts(db.driver)]]);
    for (const m of migrations) {
      const up = await migrate(db.driver, { direction: 'up', steps: 1 });
      expect(up.error).toBeUndefined();
      const fixture = await readFile(path.join(FIXTURES_DIR, `${String(m.version).padStart(6, '0')}_${m.name}.up.sql`), 'utf8');
      await db.driver.pool.query(fixture);
      countsAt.set(m.version, await rowCounts(db.driver));
    }
    const final = countsAt.get(migrations.at(-1)!.version)!;
    expect(Object.entries(final).filter(([, n]) => n === 0)).toEqual([]);

    const fresh = await createTestDatabase(backend);
    open.push(fresh);
    expect(await describeSchema(db.driver.pool)).toEqual(await describeSchema(fresh.driver.pool));

    for (let i = migrations.length - 1; i >= 0; i--) {
      const down = await migrate(db.driver, { direction: 'down', steps: 1 });
      expect(down.error).toBeUndefined();
      const version = i === 0 ? 0 : migrations[i - 1]!.version;
      // Every row is still there, later fixtures' rows included, in every table
      // this version has (under its old name before the rename).
      const now = await rowCounts(db.driver);
      expect(Object.keys(now).sort()).toEqual(Object.keys(countsAt.get(version)!).sort());
      for (const [table, n] of Object.entries(now)) expect([table, n]).toEqual([table, final[RENAMED[table] ?? table]]);
    }
  });
});

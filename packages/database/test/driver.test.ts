import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { migrate, openDriver, parseDatabaseUrl, redact } from '@coder/database';
import { createTestDatabase, postgresUrl } from '@coder/database/testing';

describe('parseDatabaseUrl', () => {
  it.each([
    ['postgres://u:p@127.0.0.1:5432/db', 'postgres'],
    ['postgresql://127.0.0.1/db', 'postgres'],
    ['memory://', 'pglite'],
    ['file:///tmp/x', 'pglite'],
    ['./relative/dir', 'pglite'],
    [undefined, 'pglite'],
  ])('%s is %s', (url, kind) => {
    expect(parseDatabaseUrl(url).kind).toBe(kind);
  });

  it.each([
    ['mysql://h/db', 'has scheme mysql:'],
    ['postgres://h:5432', 'names no database'],
    ['postgres://u:secret@[oops/db', 'malformed'],
  ])('rejects %s', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(expect.objectContaining({ code: 'DB_URL_INVALID', message: expect.stringContaining(message) }));
  });

  it.each([
    ['postgres://u:secret@[oops/db', 'postgres://u:***@[oops/db'],
    ['postgres://postgres:hun/ter2@127.0.0.1:1/db', 'postgres://postgres:***@127.0.0.1:1/db'],
    ['postgres://u:p@ss@127.0.0.1/db', 'postgres://u:***@127.0.0.1/db'],
    ['postgres://127.0.0.1:1/db?sslmode=disable&password=hunter2', 'postgres://127.0.0.1:1/db?sslmode=disable&password=***'],
    ['postgres://u@127.0.0.1/db', 'postgres://u@127.0.0.1/db'],
    ['postgres://u:pa#ss@127.0.0.1:1/x', 'postgres://u:***@127.0.0.1:1/x'],
    ['postgres://u:pa?ss@127.0.0.1:1/x', 'postgres://u:***@127.0.0.1:1/x'],
    ['postgres://h/x?sslpassword=hunter2&a=1', 'postgres://h/x?sslpassword=***&a=1'],
    ['at postgres://h/x?password=***: connect ECONNREFUSED', 'at postgres://h/x?password=***: connect ECONNREFUSED'],
  ])('redacts %s', (url, shown) => {
    expect(redact(url)).toBe(shown);
  });

  it.each([['postgres:/u:hunter2@127.0.0.1:1/x'], ['file:/tmp/foo'], ['memory:']])('refuses %s (a URL missing its //) without echoing a password', (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow(expect.objectContaining({ code: 'DB_URL_INVALID', message: expect.not.stringContaining('hunter2') }));
  });

  it.each([['file://'], ['file:///']])('refuses %s (no directory)', (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow(expect.objectContaining({ code: 'DB_URL_INVALID' }));
  });

  it('never prints the password', () => {
    expect(() => parseDatabaseUrl('postgres://u:secret@[oops/db')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });
});

describe('embedded PGlite directory', () => {
  it('refuses a second open of the same directory instead of corrupting it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pglite-lock-'));
    const first = await openDriver(path.join(dir, 'db'));
    try {
      await expect(openDriver(path.join(dir, 'db'))).rejects.toMatchObject({ code: 'DB_DATA_DIR_LOCKED' });
    } finally {
      await first.close();
    }
    const again = await openDriver(path.join(dir, 'db'));
    await again.close();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('embedded database directories', () => {
  it('refuses a directory that holds other files, and a file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'not-a-db-'));
    try {
      await writeFile(path.join(dir, 'notes.txt'), 'mine');
      await expect(openDriver(dir)).rejects.toMatchObject({ code: 'DB_URL_INVALID', message: expect.stringContaining('is not empty') });
      await expect(openDriver(path.join(dir, 'notes.txt'))).rejects.toMatchObject({ code: 'DB_URL_INVALID', message: expect.stringContaining('is a file') });
      expect(await readdir(dir)).toEqual(['notes.txt']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('refused connections', () => {
  it('names the server and hides the password', async () => {
    await expect(openDriver('postgres://me:hunter2@127.0.0.1:1/db')).rejects.toMatchObject({
      code: 'DB_CONNECT_FAILED',
      message: expect.stringMatching(/^cannot connect to PostgreSQL at postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED/),
    });
  });
});

describe.skipIf(!postgresUrl())('on PostgreSQL', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('two runners started at once both end at the latest version without error', async () => {
    const db = await createTestDatabase('postgres', { migrated: false });
    cleanups.push(db.close);
    const other = await openDriver(db.url);
    cleanups.push(() => other.close());
    const [a, b] = await Promise.all([migrate(db.driver, { direction: 'up' }), migrate(other, { direction: 'up' })]);
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expect(a.after).toEqual({ version: 4, dirty: false });
    expect(b.after).toEqual({ version: 4, dirty: false });
    // One of them did the work, the other waited on the lock and found nothing to do.
    expect([a.results.length, b.results.length].sort()).toEqual([0, 4]);
  });
});

describe.skipIf(!postgresUrl())('a connection that dies while checked out', () => {
  it('fails the running transaction instead of crashing the process, and the pool recovers', async () => {
    const db = await createTestDatabase('postgres', { poolSize: 2 });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const someone = { id: '00000000-0000-4000-8000-000000000000' };
      const failed = db.store.inTx(async (tx) => {
        await tx.getUserByID(someone);
        // Kill every other backend of this database: this transaction's connection among them.
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        await tx.getUserByID(someone);
      });
      await expect(failed).rejects.toThrow(/terminat|Connection/i);
      expect(await db.store.getUserByID(someone)).toBeNull();
    } finally {
      await admin.end();
      await db.close();
    }
  });
});

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { DBCRYPT_METHODS, QUERIER_METHODS, decryptAll, encryptValue, keyDigest, parseEncryptionKeys, prepareDbcrypt, rotateKeys, withDbcrypt } from '@coder/database';
import type { Store } from '@coder/database';
import { availableBackends, createTestDatabase, postgresUrl } from '@coder/database/testing';
import type { TestDatabase } from '@coder/database/testing';
import { insertUser, linkParams, newKey, thrown } from './helpers.js';

const open: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

async function database(backend: 'pglite' | 'postgres'): Promise<TestDatabase> {
  const db = await createTestDatabase(backend);
  open.push(db);
  return db;
}

async function rawLink(db: TestDatabase, userId: string, providerId = 'github') {
  const { rows } = await db.driver.pool.query(
    'SELECT oauth_access_token, oauth_access_token_key_id, oauth_refresh_token, oauth_refresh_token_key_id FROM external_auth_links WHERE user_id = $1 AND provider_id = $2',
    [userId, providerId],
  );
  return rows[0] as { oauth_access_token: string; oauth_access_token_key_id: string | null; oauth_refresh_token: string; oauth_refresh_token_key_id: string | null };
}

describe('DBCRYPT_METHODS', () => {
  it('lists Querier methods only, each once', () => {
    expect(new Set(DBCRYPT_METHODS).size).toBe(DBCRYPT_METHODS.length);
    for (const m of DBCRYPT_METHODS) expect(QUERIER_METHODS).toContain(m);
  });
});

describe('parseEncryptionKeys', () => {
  it.each([
    { value: 'not-base64!', code: 'DBCRYPT_KEYS_INVALID' },
    { value: Buffer.alloc(16).toString('base64'), code: 'DBCRYPT_KEYS_INVALID' },
    { value: `${Buffer.alloc(32, 1).toString('base64')},${Buffer.alloc(32, 1).toString('base64')}`, code: 'DBCRYPT_KEYS_INVALID' },
  ])('rejects $value with $code and never echoes the key', ({ value, code }) => {
    let error: (Error & { code?: string }) | undefined;
    try {
      parseEncryptionKeys(value);
    } catch (e) {
      error = e as Error & { code?: string };
    }
    expect(error?.code).toBe(code);
    expect(error?.message).not.toContain(value);
  });
});

describe.each(availableBackends())('dbcrypt on %s', (backend) => {
  it('stores ciphertext that differs from the plaintext and between two writes, and reads plaintext back', async () => {
    const db = await database(backend);
    const key = newKey();
    const store = await withDbcrypt(db.store, { keys: parseEncryptionKeys(key) });
    const a = await insertUser(store);
    const b = await insertUser(store);
    const link = await store.insertExternalAuthLink(linkParams(a, 'github', 'same-token', 'same-refresh'));
    await store.insertExternalAuthLink(linkParams(b, 'github', 'same-token', 'same-refresh'));
    expect(link.oauthAccessToken).toBe('same-token');
    expect(link.oauthRefreshToken).toBe('same-refresh');
    const ra = await rawLink(db, a);
    const rb = await rawLink(db, b);
    const id = keyDigest(Buffer.from(key, 'base64'));
    expect(ra.oauth_access_token_key_id).toBe(id);
    expect(ra.oauth_refresh_token_key_id).toBe(id);
    expect(ra.oauth_access_token).not.toContain('same-token');
    expect(ra.oauth_access_token).not.toBe(rb.oauth_access_token);
    expect((await store.getExternalAuthLink({ providerId: 'github', userId: a }))?.oauthRefreshToken).toBe('same-refresh');
    expect((await store.getExternalAuthLinksByUserID({ userId: b })).map((l) => l.oauthAccessToken)).toEqual(['same-token']);
    // Inside a transaction too (the layer re-wraps the tx store).
    const inTx = await store.inTx((tx) => tx.getExternalAuthLink({ providerId: 'github', userId: a }));
    expect(inTx?.oauthAccessToken).toBe('same-token');
    // A registered test value per key.
    const { rows } = await db.driver.pool.query('SELECT active_key_digest, test FROM dbcrypt_keys');
    expect(rows).toEqual([{ active_key_digest: id, test: expect.any(String) }]);
  });

  it('returns the written plaintext without decrypting it again, and decrypts what changed on the way', async () => {
    const db = await database(backend);
    const keys = parseEncryptionKeys(newKey());
    const user = await insertUser(db.store);
    // An inner store whose UPDATE ... RETURNING hands back another access token (as a trigger could).
    let returned = (): string => encryptValue(keys[0]!, 'changed-on-the-way');
    const inner: Store = {
      ...db.store,
      updateExternalAuthLink: async (p) => {
        const row = await db.store.updateExternalAuthLink(p);
        return row && { ...row, oauthAccessToken: returned() };
      },
    };
    const store = await withDbcrypt(inner, { keys });
    const link = await store.insertExternalAuthLink(linkParams(user, 'github', 'at-1', 'rt-1'));
    expect([link.oauthAccessToken, link.oauthRefreshToken]).toEqual(['at-1', 'rt-1']);
    const { createdAt: _, ...update } = linkParams(user, 'github', 'at-2', 'rt-2');
    const updated = await store.updateExternalAuthLink(update);
    expect([updated?.oauthAccessToken, updated?.oauthRefreshToken]).toEqual(['changed-on-the-way', 'rt-2']);
    returned = () => 'not-ciphertext';
    expect((await thrown(() => store.updateExternalAuthLink(update))).code).toBe('DBCRYPT_DECRYPT_FAILED');
  });

  it('encrypts the empty string: clearing the refresh token is an ordinary update that decrypts to ""', async () => {
    const db = await database(backend);
    const store = await withDbcrypt(db.store, { keys: parseEncryptionKeys(newKey()) });
    const user = await insertUser(store);
    await store.insertExternalAuthLink(linkParams(user, 'github', 'at', 'rt-1'));
    const cleared = await store.updateExternalAuthLinkRefreshToken({
      providerId: 'github',
      userId: user,
      updatedAt: new Date(),
      oauthRefreshToken: '',
      oauthRefreshTokenKeyId: null,
      oauthRefreshFailureReason: 'invalid_grant',
      oldOauthRefreshToken: 'rt-1',
    });
    expect(cleared).toBe(1);
    const raw = await rawLink(db, user);
    expect(raw.oauth_refresh_token).not.toBe('');
    expect(raw.oauth_refresh_token_key_id).not.toBeNull();
    const link = await store.getExternalAuthLink({ providerId: 'github', userId: user });
    expect(link?.oauthRefreshToken).toBe('');
    expect(link?.oauthRefreshFailureReason).toBe('invalid_grant');
  });

  it('applies the optimistic lock on the decrypted refresh token (each encryption differs)', async () => {
    const db = await database(backend);
    const store = await withDbcrypt(db.store, { keys: parseEncryptionKeys(newKey()) });
    const user = await insertUser(store);
    await store.insertExternalAuthLink(linkParams(user, 'github', 'at-1', 'rt-1'));
    const next = { ...linkParams(user, 'github', 'at-2', 'rt-2') };
    const { createdAt: _createdAt, ...update } = next;
    expect(await store.updateExternalAuthLinkTokens({ ...update, oldOauthRefreshToken: 'rt-1' })).toBe(1);
    // A stale writer that still holds rt-1 changes nothing.
    expect(await store.updateExternalAuthLinkTokens({ ...update, oauthAccessToken: 'at-3', oauthRefreshToken: 'rt-3', oldOauthRefreshToken: 'rt-1' })).toBe(0);
    expect((await store.getExternalAuthLink({ providerId: 'github', userId: user }))?.oauthRefreshToken).toBe('rt-2');
    // user_links the same way.
    await store.insertUserLink({ userId: user, loginType: 'oidc', linkedId: 'sub', oauthAccessToken: 'a', oauthAccessTokenKeyId: null, oauthRefreshToken: 'r', oauthRefreshTokenKeyId: null, oauthExpiry: null });
    const base = { userId: user, loginType: 'oidc', oauthAccessToken: 'a2', oauthAccessTokenKeyId: null, oauthRefreshToken: 'r2', oauthRefreshTokenKeyId: null, oauthExpiry: null };
    expect(await store.updateUserLinkTokens({ ...base, oldOauthRefreshToken: 'wrong' })).toBe(0);
    expect(await store.updateUserLinkTokens({ ...base, oldOauthRefreshToken: 'r' })).toBe(1);
    expect(await store.updateUserLinkRefreshToken({ userId: user, loginType: 'oidc', oauthRefreshToken: '', oauthRefreshTokenKeyId: null, oauthRefreshFailureReason: 'x', oldOauthRefreshToken: 'r2' })).toBe(1);
    expect((await store.getUserLinkByUserIDLoginType({ userId: user, loginType: 'oidc' }))?.oauthRefreshToken).toBe('');
  });

  it('reports a tampered value, a missing key and a key id without a value, naming table, row and key id', async () => {
    const db = await database(backend);
    const key = newKey();
    const id = keyDigest(Buffer.from(key, 'base64'));
    const store = await withDbcrypt(db.store, { keys: parseEncryptionKeys(key) });
    const user = await insertUser(store);
    await store.insertExternalAuthLink(linkParams(user, 'github', 'secret-at', 'secret-rt'));
    const raw = await rawLink(db, user);
    const tampered = Buffer.from(raw.oauth_access_token, 'base64');
    tampered[14] = tampered[14]! ^ 1;
    await db.driver.pool.query('UPDATE external_auth_links SET oauth_access_token = $1 WHERE user_id = $2', [tampered.toString('base64'), user]);
    const get = () => store.getExternalAuthLink({ providerId: 'github', userId: user });
    const tamperError = await thrown(get);
    expect(tamperError.code).toBe('DBCRYPT_DECRYPT_FAILED');
    expect(tamperError.message).toContain('external_auth_links');
    expect(tamperError.message).toContain(`user_id=${user}`);
    expect(tamperError.message).toContain(id);

    await db.driver.pool.query("UPDATE external_auth_links SET oauth_access_token = '' WHERE user_id = $1", [user]);
    expect((await thrown(get)).code).toBe('DBCRYPT_VALUE_MISSING');

    // Another process without this key (a different key configured).
    const other = await withDbcrypt(db.store, { keys: parseEncryptionKeys(newKey()) });
    const missing = await thrown(() => other.getExternalAuthLink({ providerId: 'github', userId: user }));
    expect(missing.code).toBe('DBCRYPT_KEY_MISSING');
    expect(missing.message).toContain(id);
    // With no keys at all, ciphertext is never handed out as a token.
    const none = await withDbcrypt(db.store, { keys: [] });
    expect((await thrown(() => none.getExternalAuthLink({ providerId: 'github', userId: user }))).code).toBe('DBCRYPT_KEY_MISSING');
    for (const e of [tamperError, missing]) expect(e.message).not.toMatch(/secret-|gho_/);
  });

  it('refuses a revoked primary key at start-up and a test value that does not decrypt', async () => {
    const db = await database(backend);
    const key = newKey();
    await withDbcrypt(db.store, { keys: parseEncryptionKeys(key) });
    await db.store.revokeDBCryptKey({ activeKeyDigest: keyDigest(Buffer.from(key, 'base64')) });
    const revoked = await thrown(() => withDbcrypt(db.store, { keys: parseEncryptionKeys(key) }));
    expect(revoked.code).toBe('DBCRYPT_KEY_REVOKED');
    expect(revoked.message).not.toContain(key);
    // A revoked key may stay configured as a secondary one.
    await withDbcrypt(db.store, { keys: parseEncryptionKeys(`${newKey()},${key}`) });

    const k2 = newKey();
    await db.driver.pool.query('INSERT INTO dbcrypt_keys (active_key_digest, test) VALUES ($1, $2)', [keyDigest(Buffer.from(k2, 'base64')), 'bm90IGEgY2lwaGVydGV4dCBhdCBhbGwh']);
    expect((await thrown(() => withDbcrypt(db.store, { keys: parseEncryptionKeys(k2) }))).code).toBe('DBCRYPT_KEY_MISMATCH');
  });

  it('rotates to a new primary key and decrypts back to plaintext without losing a row', async () => {
    const db = await database(backend);
    const oldKey = newKey();
    const oldStore = await withDbcrypt(db.store, { keys: parseEncryptionKeys(oldKey) });
    const users: string[] = [];
    const n = 10_000;
    // Users and plaintext links in bulk (the point is the rotation, not the insert path).
    await db.driver.pool.query(
      `INSERT INTO users (id, username) SELECT gen_random_uuid(), 'u' || i FROM generate_series(1, $1) i`,
      [n],
    );
    const { rows } = await db.driver.pool.query('SELECT id FROM users ORDER BY username');
    users.push(...rows.map((r: { id: string }) => r.id));
    await db.driver.pool.query(
      `INSERT INTO external_auth_links (provider_id, user_id, created_at, updated_at, oauth_access_token, oauth_refresh_token)
       SELECT 'github', id, now(), now(), 'at-' || id, 'rt-' || id FROM users`,
    );
    // A few with the old key, through the layer; one with an empty refresh token.
    const special = await insertUser(oldStore);
    await oldStore.insertExternalAuthLink(linkParams(special, 'gitlab', 'at-special', ''));
    await oldStore.insertUserLink({ userId: special, loginType: 'oidc', linkedId: 's', oauthAccessToken: 'ua', oauthAccessTokenKeyId: null, oauthRefreshToken: 'ur', oauthRefreshTokenKeyId: null, oauthExpiry: null });

    const newKeyText = newKey();
    const keys = parseEncryptionKeys(`${newKeyText},${oldKey}`);
    const dbcrypt = await prepareDbcrypt(db.store, keys);
    const started = performance.now();
    const rotated = await rotateKeys(db.store, dbcrypt);
    const rotateMs = performance.now() - started;
    expect(rotated.error).toBeUndefined();
    expect(rotated.rewritten).toEqual({ external_auth_links: n + 1, user_links: 1 });
    expect(rotated.revoked).toEqual([keyDigest(Buffer.from(oldKey, 'base64'))]);
    const primaryId = keyDigest(Buffer.from(newKeyText, 'base64'));
    const { rows: ids } = await db.driver.pool.query(
      'SELECT DISTINCT oauth_access_token_key_id AS a, oauth_refresh_token_key_id AS r FROM external_auth_links',
    );
    expect(ids).toEqual([{ a: primaryId, r: primaryId }]);
    // The old key alone can no longer start: revoked.
    expect((await thrown(() => withDbcrypt(db.store, { keys: parseEncryptionKeys(oldKey) }))).code).toBe('DBCRYPT_KEY_REVOKED');
    const fresh = await withDbcrypt(db.store, { keys: parseEncryptionKeys(newKeyText) });
    const sample = users[4321]!;
    expect((await fresh.getExternalAuthLink({ providerId: 'github', userId: sample }))?.oauthRefreshToken).toBe(`rt-${sample}`);
    expect((await fresh.getExternalAuthLink({ providerId: 'gitlab', userId: special }))?.oauthRefreshToken).toBe('');

    const decrypted = await decryptAll(db.store, dbcrypt);
    expect(decrypted.error).toBeUndefined();
    expect(decrypted.rewritten).toEqual({ external_auth_links: n + 1, user_links: 1 });
    const { rows: plain } = await db.driver.pool.query(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE oauth_access_token = 'at-' || user_id AND oauth_refresh_token = 'rt-' || user_id
                                 AND oauth_access_token_key_id IS NULL AND oauth_refresh_token_key_id IS NULL)::int AS intact
         FROM external_auth_links WHERE provider_id = 'github'`,
    );
    expect(plain).toEqual([{ total: n, intact: n }]);
    expect(decrypted.revoked).toEqual([primaryId]);
    expect(rotateMs).toBeGreaterThan(0);
    console.info(`dbcrypt rotate of ${n + 1} links on ${backend}: ${Math.round(rotateMs)} ms`);
  }, 300_000);

  it('reports each row it cannot rewrite and revokes nothing then', async () => {
    const db = await database(backend);
    const key = newKey();
    const store = await withDbcrypt(db.store, { keys: parseEncryptionKeys(key) });
    const good = await insertUser(store);
    const bad = await insertUser(store);
    await store.insertExternalAuthLink(linkParams(good));
    await store.insertExternalAuthLink(linkParams(bad));
    await db.driver.pool.query("UPDATE external_auth_links SET oauth_refresh_token = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE user_id = $1", [bad]);
    const dbcrypt = await prepareDbcrypt(db.store, parseEncryptionKeys(`${newKey()},${key}`));
    const result = await rotateKeys(db.store, dbcrypt);
    expect(result.error?.code).toBe('DBCRYPT_DECRYPT_FAILED');
    expect(result.failures.map((f) => [f.table, f.row, f.error.code])).toEqual([
      ['external_auth_links', `provider_id=github, user_id=${bad}`, 'DBCRYPT_DECRYPT_FAILED'],
    ]);
    expect(result.rewritten.external_auth_links).toBe(1);
    expect(result.revoked).toEqual([]);
  });
});

describe('coder-db dbcrypt', () => {
  const exec = promisify(execFile);
  const cli = path.join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
  const run = (args: string[], env: Record<string, string>, input?: string) => {
    const child = exec(process.execPath, ['--conditions=@coder/source', '--import', 'tsx', cli, ...args], {
      env: { ...process.env, ...env },
    });
    if (input !== undefined) {
      child.child.stdin!.end(input);
    }
    return child.then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  };

  it('encrypt-value prints a ciphertext the layer decrypts and the key id, never the key or the value', async () => {
    const key = newKey();
    const out = await run(['--json', 'dbcrypt', 'encrypt-value'], { CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS: key }, 'gho_hand_mended\n');
    expect(out.code).toBe(0);
    const printed = JSON.parse(out.stdout) as { ciphertext: string; keyId: string };
    expect(printed.keyId).toBe(keyDigest(Buffer.from(key, 'base64')));
    expect(out.stdout + out.stderr).not.toContain(key);
    expect(out.stdout + out.stderr).not.toContain('gho_hand_mended');
    const { Dbcrypt } = await import('@coder/database');
    expect(new Dbcrypt(parseEncryptionKeys(key)).decryptColumn('external_auth_links', 'x', 'oauth_access_token', printed.ciphertext, printed.keyId)).toBe('gho_hand_mended');
  });

  // The CLI opens its own connection to the database: PostgreSQL only.
  it.skipIf(!postgresUrl())('rotate and decrypt run against a database, printing key ids only', async () => {
    const db = await createTestDatabase('postgres');
    open.push(db);
    const k1 = newKey();
    const store = await withDbcrypt(db.store, { keys: parseEncryptionKeys(k1) });
    const user = await insertUser(store);
    await store.insertExternalAuthLink(linkParams(user, 'github', 'gho_cli_secret', 'ghr_cli_secret'));
    const k2 = newKey();
    const rotate = await run(['--database-url', db.url!, 'dbcrypt', 'rotate'], { CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS: `${k2},${k1}` });
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toContain('1 rewritten');
    expect(rotate.stdout).toContain(`revoked keys: ${keyDigest(Buffer.from(k1, 'base64'))}`);
    const decrypt = await run(['--database-url', db.url!, 'dbcrypt', 'decrypt'], { CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS: k2 });
    expect(decrypt.code).toBe(0);
    for (const o of [rotate, decrypt]) {
      const text = o.stdout + o.stderr;
      for (const secret of [k1, k2, 'gho_cli_secret', 'ghr_cli_secret']) expect(text).not.toContain(secret);
    }
    expect((await rawLink(db, user)).oauth_access_token).toBe('gho_cli_secret');
  });
});

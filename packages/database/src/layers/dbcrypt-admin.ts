import { DatabaseError } from '../errors.js';
import type { ExternalAuthLink, UserLink } from '../queries.gen.js';
import type { Store } from '../store.js';
import { externalAuthLinkRowId, userLinkRowId } from './dbcrypt.js';
import type { Dbcrypt } from './dbcrypt.js';

/** Rows per page when walking a table. */
export const DEFAULT_DBCRYPT_PAGE_SIZE = 500;

/** One row `rotate`/`decrypt` could not rewrite (the run goes on with the others). */
export interface DbcryptRowFailure {
  table: 'external_auth_links' | 'user_links';
  row: string;
  error: DatabaseError;
}

/** Per-table counts and per-row failures (after Kysely's Migrator: no throwing halfway). */
export interface DbcryptRunResult {
  rewritten: { external_auth_links: number; user_links: number };
  unchanged: { external_auth_links: number; user_links: number };
  failures: DbcryptRowFailure[];
  /** Key ids revoked at the end (only when every row was rewritten). */
  revoked: string[];
  error?: DatabaseError;
}

type Mode = 'rotate' | 'decrypt';

/**
 * Re-encrypts every token with the primary key, then revokes every other
 * active key. `raw` is the store below dbcrypt (it reads and writes
 * ciphertext as stored); each row is swapped only if it still holds what was
 * read, so it is safe while the service runs.
 *
 * @example
 * const result = await rotateKeys(sqlStore, new Dbcrypt(parseEncryptionKeys(env)));
 */
export function rotateKeys(raw: Store, dbcrypt: Dbcrypt, options: { pageSize?: number } = {}): Promise<DbcryptRunResult> {
  if (!dbcrypt.primary) return Promise.reject(new DatabaseError('DBCRYPT_KEYS_INVALID', 'rotate needs CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS'));
  return rewriteAll(raw, dbcrypt, 'rotate', options.pageSize ?? DEFAULT_DBCRYPT_PAGE_SIZE);
}

/**
 * Writes every token back as plaintext (NULL key ids), then revokes every
 * key: afterwards the service must run without CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS.
 *
 * @example
 * const result = await decryptAll(sqlStore, new Dbcrypt(parseEncryptionKeys(env)));
 */
export function decryptAll(raw: Store, dbcrypt: Dbcrypt, options: { pageSize?: number } = {}): Promise<DbcryptRunResult> {
  return rewriteAll(raw, dbcrypt, 'decrypt', options.pageSize ?? DEFAULT_DBCRYPT_PAGE_SIZE);
}

async function rewriteAll(raw: Store, dbcrypt: Dbcrypt, mode: Mode, pageSize: number): Promise<DbcryptRunResult> {
  const result: DbcryptRunResult = {
    rewritten: { external_auth_links: 0, user_links: 0 },
    unchanged: { external_auth_links: 0, user_links: 0 },
    failures: [],
    revoked: [],
  };
  const target = (keyId: string | null) => (mode === 'rotate' ? keyId === dbcrypt.primary?.id : keyId === null);
  const transform = (value: string) => (mode === 'rotate' ? dbcrypt.encrypt(value) : { value, keyId: null });

  const rewrite = async <R extends ExternalAuthLink | UserLink>(table: DbcryptRowFailure['table'], row: R, id: string, write: (next: Rewrite, old: R) => Promise<number>) => {
    if (target(row.oauthAccessTokenKeyId) && target(row.oauthRefreshTokenKeyId)) {
      result.unchanged[table]++;
      return;
    }
    try {
      const plain = dbcrypt.decryptRow(table, row, id);
      const access = transform(plain.oauthAccessToken);
      const refresh = transform(plain.oauthRefreshToken);
      const changed = await write(
        { oauthAccessToken: access.value, oauthAccessTokenKeyId: access.keyId, oauthRefreshToken: refresh.value, oauthRefreshTokenKeyId: refresh.keyId },
        row,
      );
      if (changed === 0) throw new DatabaseError('DBCRYPT_DECRYPT_FAILED', `${table} row (${id}) changed while being rewritten; run again`);
      result.rewritten[table]++;
    } catch (error) {
      if (!(error instanceof DatabaseError)) throw error;
      result.failures.push({ table, row: id, error });
    }
  };

  try {
    let after = { providerId: '', userId: '00000000-0000-0000-0000-000000000000' };
    for (;;) {
      const page = await raw.listExternalAuthLinks({ afterProviderId: after.providerId, afterUserId: after.userId, pageSize });
      for (const row of page) {
        await rewrite('external_auth_links', row, externalAuthLinkRowId(row), (next, old) =>
          raw.updateExternalAuthLinkEncryption({
            ...next,
            providerId: old.providerId,
            userId: old.userId,
            oldOauthAccessToken: old.oauthAccessToken,
            oldOauthRefreshToken: old.oauthRefreshToken,
          }),
        );
      }
      if (page.length < pageSize) break;
      after = page[page.length - 1]!;
    }
    let afterLink = { userId: '00000000-0000-0000-0000-000000000000', loginType: '' };
    for (;;) {
      const page = await raw.listUserLinks({ afterUserId: afterLink.userId, afterLoginType: afterLink.loginType, pageSize });
      for (const row of page) {
        await rewrite('user_links', row, userLinkRowId(row), (next, old) =>
          raw.updateUserLinkEncryption({
            ...next,
            userId: old.userId,
            loginType: old.loginType,
            oldOauthAccessToken: old.oauthAccessToken,
            oldOauthRefreshToken: old.oauthRefreshToken,
          }),
        );
      }
      if (page.length < pageSize) break;
      afterLink = page[page.length - 1]!;
    }
    if (result.failures.length > 0) {
      result.error = new DatabaseError(
        result.failures[0]!.error.code,
        `${result.failures.length} row(s) could not be rewritten; no key was revoked. First: ${result.failures[0]!.error.message}`,
      );
      return result;
    }
    for (const key of await raw.getDBCryptKeys()) {
      if (!key.activeKeyDigest) continue;
      if (mode === 'rotate' && key.activeKeyDigest === dbcrypt.primary?.id) continue;
      await raw.revokeDBCryptKey({ activeKeyDigest: key.activeKeyDigest });
      result.revoked.push(key.activeKeyDigest);
    }
  } catch (error) {
    if (!(error instanceof DatabaseError)) {
      result.error = new DatabaseError('DBCRYPT_DECRYPT_FAILED', `${mode} stopped: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } else {
      result.error = error;
    }
  }
  return result;
}

interface Rewrite {
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
}

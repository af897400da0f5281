import { DatabaseError } from '../errors.js';
import type { ExternalAuthLink, Querier, UserLink } from '../queries.gen.js';
import type { Store } from '../store.js';
import { decryptValue, encryptValue, parseEncryptionKeys } from './dbcrypt-cipher.js';
import type { DbcryptKey } from './dbcrypt-cipher.js';

/**
 * Every Querier method that reads or writes an encrypted column, and so the
 * only ones the dbcrypt layer overrides (the others pass straight through).
 * The encrypted columns are `oauth_access_token` and `oauth_refresh_token` of
 * `external_auth_links` and `user_links`, each with its `*_key_id` column.
 * A new query on those tables must be added here; the layer's overrides are
 * typed against this list, so the two cannot drift apart.
 */
export const DBCRYPT_METHODS = [
  'getExternalAuthLink',
  'getExternalAuthLinksByUserID',
  'listExternalAuthLinks',
  'insertExternalAuthLink',
  'updateExternalAuthLink',
  'updateExternalAuthLinkTokens',
  'updateExternalAuthLinkRefreshToken',
  'updateExternalAuthLinkEncryption',
  'getUserLinkByUserIDLoginType',
  'listUserLinks',
  'insertUserLink',
  'updateUserLink',
  'updateUserLinkTokens',
  'updateUserLinkRefreshToken',
  'updateUserLinkEncryption',
] as const satisfies ReadonlyArray<keyof Querier>;

/** The value encrypted into `dbcrypt_keys.test` to check a key at start-up. */
const KEY_TEST_VALUE = 'coder';

type EncryptedTable = 'external_auth_links' | 'user_links';
type TokenColumn = 'oauth_access_token' | 'oauth_refresh_token';

/**
 * The keys and the operations on values; shared by the layer and `coder-db
 * dbcrypt`. With no keys, values are written as plaintext (NULL key id) and a
 * stored encrypted value is an error (`DBCRYPT_KEY_MISSING`), never returned
 * as if it were the token.
 */
export class Dbcrypt {
  readonly primary: DbcryptKey | undefined;
  readonly #byId: Map<string, DbcryptKey>;

  constructor(keys: readonly DbcryptKey[]) {
    this.primary = keys[0];
    this.#byId = new Map(keys.map((k) => [k.id, k]));
  }

  /** Ids of every configured key, primary first. */
  get keyIds(): string[] {
    return [...this.#byId.keys()];
  }

  /** Encrypts with the primary key (no keys: the plaintext, with a NULL key id). */
  encrypt(plaintext: string): { value: string; keyId: string | null } {
    if (!this.primary) return { value: plaintext, keyId: null };
    return { value: encryptValue(this.primary, plaintext), keyId: this.primary.id };
  }

  /**
   * The plaintext of one stored column. A NULL key id means the column holds
   * plaintext (written before encryption was turned on, or after `decrypt`).
   * Errors name the table, the row and the key id, never the value.
   */
  decryptColumn(table: EncryptedTable, row: string, column: TokenColumn, value: string, keyId: string | null): string {
    if (keyId === null) return value;
    const key = this.#byId.get(keyId);
    if (key && value !== '') {
      try {
        return decryptValue(key, value);
      } catch (cause) {
        throw new DatabaseError('DBCRYPT_DECRYPT_FAILED', `${table} row (${row}) column ${column} does not decrypt with key ${keyId}: the value was altered or is not ciphertext`, { cause });
      }
    }
    const where = `${table} row (${row}) column ${column}`;
    if (!key) {
      throw new DatabaseError('DBCRYPT_KEY_MISSING', `${where} is encrypted with key ${keyId}, which is not in CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS`);
    }
    // Every encryption, of the empty string too, yields a non-empty value.
    throw new DatabaseError('DBCRYPT_VALUE_MISSING', `${where} names key ${keyId} but holds no encrypted value`);
  }

  /** Decrypts both token columns of a row read from `table`. */
  decryptRow<T extends TokenRow>(table: EncryptedTable, row: T, id: string): T {
    return {
      ...row,
      oauthAccessToken: this.decryptColumn(table, id, 'oauth_access_token', row.oauthAccessToken, row.oauthAccessTokenKeyId),
      oauthRefreshToken: this.decryptColumn(table, id, 'oauth_refresh_token', row.oauthRefreshToken, row.oauthRefreshTokenKeyId),
    };
  }
}

interface TokenRow {
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
}

/** How a row is named in errors: its primary key, never a token. */
export const externalAuthLinkRowId = (r: { providerId: string; userId: string }): string => `provider_id=${r.providerId}, user_id=${r.userId}`;
export const userLinkRowId = (r: { userId: string; loginType: string }): string => `user_id=${r.userId}, login_type=${r.loginType}`;

export interface DbcryptOptions {
  /** The keys; default: parsed from CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS. */
  keys?: readonly DbcryptKey[];
}

/**
 * Encryption at rest (AES-256-GCM, a random nonce per value) of every token
 * column of `external_auth_links` and `user_links`. At start-up each key is
 * registered in `dbcrypt_keys` with an encrypted test value (or checked
 * against the one there); a revoked primary key is refused
 * (`DBCRYPT_KEY_REVOKED`). Writes encrypt with the primary key and record its
 * id; reads decrypt with the key the row names. With no keys configured the
 * layer still runs: it writes plaintext and refuses to hand out ciphertext. The optimistic locks on the
 * refresh token compare decrypted values, then swap on the stored ciphertext.
 *
 * @example
 * const store = await withDbcrypt(createSqlStore(driver), { keys: parseEncryptionKeys(env) });
 */
export async function withDbcrypt(inner: Store, options: DbcryptOptions = {}): Promise<Store> {
  const keys = options.keys ?? parseEncryptionKeys(process.env.CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS ?? '');
  return dbcryptStore(inner, await prepareDbcrypt(inner, keys));
}

/**
 * Checks the keys against `dbcrypt_keys` and registers new ones (through
 * `inner`, a store below authorization). Throws `DBCRYPT_KEY_REVOKED` for a
 * revoked primary key, `DBCRYPT_KEY_MISMATCH` when a registered test value
 * does not decrypt.
 *
 * @example
 * const dbcrypt = await prepareDbcrypt(createSqlStore(driver), parseEncryptionKeys(env));
 */
export async function prepareDbcrypt(inner: Store, keys: readonly DbcryptKey[]): Promise<Dbcrypt> {
  const dbcrypt = new Dbcrypt(keys);
  await registerKeys(inner, dbcrypt, keys);
  return dbcrypt;
}

async function registerKeys(inner: Store, dbcrypt: Dbcrypt, keys: readonly DbcryptKey[]): Promise<void> {
  const primary = dbcrypt.primary;
  if (!primary) return;
  const registered = await inner.getDBCryptKeys();
  const revoked = registered.find((r) => r.revokedKeyDigest === primary.id);
  if (revoked) {
    throw new DatabaseError(
      'DBCRYPT_KEY_REVOKED',
      `the primary encryption key ${primary.id} was revoked at ${revoked.revokedAt?.toISOString() ?? 'an unknown time'}; ` +
        'put a new key first in CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS',
    );
  }
  for (const key of keys) {
    const row = registered.find((r) => r.activeKeyDigest === key.id);
    if (row) {
      let ok = false;
      try {
        ok = decryptValue(key, row.test) === KEY_TEST_VALUE;
      } catch {
        ok = false;
      }
      if (!ok) throw new DatabaseError('DBCRYPT_KEY_MISMATCH', `dbcrypt_keys row ${row.number} (key ${key.id}) does not decrypt with the configured key`);
    } else if (!registered.some((r) => r.revokedKeyDigest === key.id)) {
      await inner.insertDBCryptKey({ activeKeyDigest: key.id, test: encryptValue(key, KEY_TEST_VALUE) });
    }
  }
}

/** The layer over an already-checked key set (also used inside transactions and by the CLI). */
export function dbcryptStore(inner: Store, dbcrypt: Dbcrypt): Store {
  const eal = (row: ExternalAuthLink): ExternalAuthLink => dbcrypt.decryptRow('external_auth_links', row, externalAuthLinkRowId(row));
  const ul = (row: UserLink): UserLink => dbcrypt.decryptRow('user_links', row, userLinkRowId(row));
  // The optimistic locks compare the refresh token only: decrypt just that column.
  const ealRefresh = (row: ExternalAuthLink): string =>
    dbcrypt.decryptColumn('external_auth_links', externalAuthLinkRowId(row), 'oauth_refresh_token', row.oauthRefreshToken, row.oauthRefreshTokenKeyId);
  const ulRefresh = (row: UserLink): string =>
    dbcrypt.decryptColumn('user_links', userLinkRowId(row), 'oauth_refresh_token', row.oauthRefreshToken, row.oauthRefreshTokenKeyId);
  // A write returns the ciphertexts it was just given, whose plaintexts the
  // caller passed in: no need to decrypt them again. Anything else in the
  // returned row (changed on the way, e.g. by a trigger) is decrypted as usual.
  const written = <R extends TokenRow>(row: R, sent: TokenRow, plain: { oauthAccessToken: string; oauthRefreshToken: string }, decrypt: (row: R) => R): R =>
    row.oauthAccessToken === sent.oauthAccessToken &&
    row.oauthAccessTokenKeyId === sent.oauthAccessTokenKeyId &&
    row.oauthRefreshToken === sent.oauthRefreshToken &&
    row.oauthRefreshTokenKeyId === sent.oauthRefreshTokenKeyId
      ? { ...row, oauthAccessToken: plain.oauthAccessToken, oauthRefreshToken: plain.oauthRefreshToken }
      : decrypt(row);
  const both = <P extends { oauthAccessToken: string; oauthRefreshToken: string }>(p: P) => {
    const access = dbcrypt.encrypt(p.oauthAccessToken);
    const refresh = dbcrypt.encrypt(p.oauthRefreshToken);
    return { ...p, oauthAccessToken: access.value, oauthAccessTokenKeyId: access.keyId, oauthRefreshToken: refresh.value, oauthRefreshTokenKeyId: refresh.keyId };
  };
  const refreshOnly = <P extends { oauthRefreshToken: string }>(p: P) => {
    const refresh = dbcrypt.encrypt(p.oauthRefreshToken);
    return { ...p, oauthRefreshToken: refresh.value, oauthRefreshTokenKeyId: refresh.keyId };
  };

  const overrides: Pick<Querier, (typeof DBCRYPT_METHODS)[number]> = {
    getExternalAuthLink: async (p) => {
      const row = await inner.getExternalAuthLink(p);
      return row && eal(row);
    },
    getExternalAuthLinksByUserID: async (p) => (await inner.getExternalAuthLinksByUserID(p)).map(eal),
    listExternalAuthLinks: async (p) => (await inner.listExternalAuthLinks(p)).map(eal),
    insertExternalAuthLink: async (p) => {
      const sent = both(p);
      return written(await inner.insertExternalAuthLink(sent), sent, p, eal);
    },
    updateExternalAuthLink: async (p) => {
      const sent = both(p);
      const row = await inner.updateExternalAuthLink(sent);
      return row && written(row, sent, p, eal);
    },
    // Optimistic lock on an encrypted column: every encryption differs, so
    // compare plaintexts, then swap on the exact ciphertext that was read
    // (a write in between changes it, and the UPDATE matches no row).
    updateExternalAuthLinkTokens: async (p) => {
      const current = await inner.getExternalAuthLink(p);
      if (!current || ealRefresh(current) !== p.oldOauthRefreshToken) return 0;
      return inner.updateExternalAuthLinkTokens({ ...both(p), oldOauthRefreshToken: current.oauthRefreshToken });
    },
    updateExternalAuthLinkRefreshToken: async (p) => {
      const current = await inner.getExternalAuthLink(p);
      if (!current || ealRefresh(current) !== p.oldOauthRefreshToken) return 0;
      return inner.updateExternalAuthLinkRefreshToken({ ...refreshOnly(p), oldOauthRefreshToken: current.oauthRefreshToken });
    },
    updateExternalAuthLinkEncryption: async (p) => {
      const current = await inner.getExternalAuthLink(p);
      if (!current) return 0;
      const plain = eal(current);
      if (plain.oauthAccessToken !== p.oldOauthAccessToken || plain.oauthRefreshToken !== p.oldOauthRefreshToken) return 0;
      return inner.updateExternalAuthLinkEncryption({
        ...both(p),
        oldOauthAccessToken: current.oauthAccessToken,
        oldOauthRefreshToken: current.oauthRefreshToken,
      });
    },
    getUserLinkByUserIDLoginType: async (p) => {
      const row = await inner.getUserLinkByUserIDLoginType(p);
      return row && ul(row);
    },
    listUserLinks: async (p) => (await inner.listUserLinks(p)).map(ul),
    insertUserLink: async (p) => {
      const sent = both(p);
      return written(await inner.insertUserLink(sent), sent, p, ul);
    },
    updateUserLink: async (p) => {
      const sent = both(p);
      const row = await inner.updateUserLink(sent);
      return row && written(row, sent, p, ul);
    },
    updateUserLinkTokens: async (p) => {
      const current = await inner.getUserLinkByUserIDLoginType(p);
      if (!current || ulRefresh(current) !== p.oldOauthRefreshToken) return 0;
      return inner.updateUserLinkTokens({ ...both(p), oldOauthRefreshToken: current.oauthRefreshToken });
    },
    updateUserLinkRefreshToken: async (p) => {
      const current = await inner.getUserLinkByUserIDLoginType(p);
      if (!current || ulRefresh(current) !== p.oldOauthRefreshToken) return 0;
      return inner.updateUserLinkRefreshToken({ ...refreshOnly(p), oldOauthRefreshToken: current.oauthRefreshToken });
    },
    updateUserLinkEncryption: async (p) => {
      const current = await inner.getUserLinkByUserIDLoginType(p);
      if (!current) return 0;
      const plain = ul(current);
      if (plain.oauthAccessToken !== p.oldOauthAccessToken || plain.oauthRefreshToken !== p.oldOauthRefreshToken) return 0;
      return inner.updateUserLinkEncryption({
        ...both(p),
        oldOauthAccessToken: current.oauthAccessToken,
        oldOauthRefreshToken: current.oauthRefreshToken,
      });
    },
  };
  return {
    ...inner,
    ...overrides,
    inTx: (fn, options) => inner.inTx((tx) => fn(dbcryptStore(tx, dbcrypt)), options),
  };
}

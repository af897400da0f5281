/** Stable codes of every error this package throws; callers branch on these. */
export type DatabaseErrorCode =
  | 'DB_URL_INVALID'
  | 'DB_CONNECT_FAILED'
  | 'DB_DATA_DIR_LOCKED'
  | 'MIGRATION_SOURCE_INVALID'
  | 'MIGRATION_DIRTY'
  | 'MIGRATION_UNKNOWN_VERSION'
  | 'MIGRATION_FAILED'
  | 'MIGRATION_LOCK_TIMEOUT'
  | 'MIGRATION_SCHEMA_AHEAD'
  // dbauthz: the caller may not do this / no actor in context.
  | 'DB_NOT_AUTHORIZED'
  | 'DB_NO_ACTOR'
  // dbcrypt: bad key configuration at start-up.
  | 'DBCRYPT_KEYS_INVALID'
  | 'DBCRYPT_KEY_REVOKED'
  | 'DBCRYPT_KEY_MISMATCH'
  // dbcrypt: a stored value cannot be read (names table, row and key id).
  | 'DBCRYPT_KEY_MISSING'
  | 'DBCRYPT_DECRYPT_FAILED'
  | 'DBCRYPT_VALUE_MISSING';

/**
 * An error of `@coder/database`. `code` is stable; `message` is for people.
 *
 * @example
 * try { await migrateUp(driver) } catch (e) {
 *   if (e instanceof DatabaseError && e.code === 'MIGRATION_DIRTY') { ... }
 * }
 */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  readonly code: DatabaseErrorCode;

  constructor(code: DatabaseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** SQLSTATE of a PostgreSQL error (from `pg` or PGlite), if it has one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

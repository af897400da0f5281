// GENERATED — DO NOT EDIT — run pnpm gen
// Typed functions for the annotated SQL in queries/*.sql, typed by preparing each
// query against the migrated schema (@coder/sqlgen).
import type { Executor } from './driver.js';

/** A value of a `json`/`jsonb` column, as `JSON.parse` gives it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key in string]?: JsonValue };
type Row = Record<string, unknown>;

/** Nullable jsonb parameters go as JSON text (pg would send a JS array as a PostgreSQL array); null is SQL NULL. */
function jsonText(value: JsonValue | undefined): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** A whole row, as returned by GetDBCryptKeys. */
export interface DbcryptKey {
  number: number;
  activeKeyDigest: string | null;
  revokedKeyDigest: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  test: string;
}

/** A whole row, as returned by GetExternalAuthLink, GetExternalAuthLinksByUserID, InsertExternalAuthLink, UpdateExternalAuthLink, ListExternalAuthLinks. */
export interface ExternalAuthLink {
  providerId: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  oauthAccessToken: string;
  oauthRefreshToken: string;
  oauthExpiry: Date | null;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshTokenKeyId: string | null;
  oauthExtra: JsonValue;
  oauthRefreshFailureReason: string;
}

/** A whole row, as returned by InsertUser, GetUserByID. */
export interface User {
  id: string;
  username: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A whole row, as returned by GetUserLinkByUserIDLoginType, InsertUserLink, UpdateUserLink, ListUserLinks. */
export interface UserLink {
  userId: string;
  loginType: string;
  linkedId: string;
  oauthAccessToken: string;
  oauthRefreshToken: string;
  oauthExpiry: Date | null;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshTokenKeyId: string | null;
  oauthRefreshFailureReason: string;
}

/** Parameters of InsertDBCryptKey (queries/dbcrypt.sql:7). */
export interface InsertDBCryptKeyParams {
  activeKeyDigest: string;
  test: string;
}

/** Parameters of RevokeDBCryptKey (queries/dbcrypt.sql:13). */
export interface RevokeDBCryptKeyParams {
  activeKeyDigest: string;
}

/** Parameters of GetExternalAuthLink (queries/external_auth.sql:1). */
export interface GetExternalAuthLinkParams {
  providerId: string;
  userId: string;
}

/** Parameters of GetExternalAuthLinksByUserID (queries/external_auth.sql:4). */
export interface GetExternalAuthLinksByUserIDParams {
  userId: string;
}

/** Parameters of InsertExternalAuthLink (queries/external_auth.sql:7). */
export interface InsertExternalAuthLinkParams {
  providerId: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthExpiry: Date | null;
  oauthExtra: JsonValue;
}

/** Parameters of UpdateExternalAuthLink (queries/external_auth.sql:22). */
export interface UpdateExternalAuthLinkParams {
  updatedAt: Date;
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthExpiry: Date | null;
  oauthExtra: JsonValue;
  providerId: string;
  userId: string;
}

/** Parameters of UpdateExternalAuthLinkTokens (queries/external_auth.sql:37). */
export interface UpdateExternalAuthLinkTokensParams {
  updatedAt: Date;
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthExpiry: Date | null;
  oauthExtra: JsonValue;
  providerId: string;
  userId: string;
  oldOauthRefreshToken: string;
}

/** Parameters of UpdateExternalAuthLinkRefreshToken (queries/external_auth.sql:52). */
export interface UpdateExternalAuthLinkRefreshTokenParams {
  updatedAt: Date;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthRefreshFailureReason: string;
  providerId: string;
  userId: string;
  oldOauthRefreshToken: string;
}

/** Parameters of DeleteExternalAuthLink (queries/external_auth.sql:61). */
export interface DeleteExternalAuthLinkParams {
  providerId: string;
  userId: string;
}

/** Parameters of ListExternalAuthLinks (queries/external_auth.sql:65). */
export interface ListExternalAuthLinksParams {
  afterProviderId: string;
  afterUserId: string;
  pageSize: number;
}

/** Parameters of UpdateExternalAuthLinkEncryption (queries/external_auth.sql:74). */
export interface UpdateExternalAuthLinkEncryptionParams {
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  providerId: string;
  userId: string;
  oldOauthAccessToken: string;
  oldOauthRefreshToken: string;
}

/** Parameters of AcquireRefreshLock (queries/locks.sql:3). */
export interface AcquireRefreshLockParams {
  lockKey: string;
}

/** Parameters of GetUserLinkByUserIDLoginType (queries/user_links.sql:1). */
export interface GetUserLinkByUserIDLoginTypeParams {
  userId: string;
  loginType: string;
}

/** Parameters of InsertUserLink (queries/user_links.sql:4). */
export interface InsertUserLinkParams {
  userId: string;
  loginType: string;
  linkedId: string;
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthExpiry: Date | null;
}

/** Parameters of UpdateUserLink (queries/user_links.sql:19). */
export interface UpdateUserLinkParams {
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthExpiry: Date | null;
  userId: string;
  loginType: string;
}

/** Parameters of UpdateUserLinkTokens (queries/user_links.sql:31). */
export interface UpdateUserLinkTokensParams {
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthExpiry: Date | null;
  userId: string;
  loginType: string;
  oldOauthRefreshToken: string;
}

/** Parameters of UpdateUserLinkRefreshToken (queries/user_links.sql:43). */
export interface UpdateUserLinkRefreshTokenParams {
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthRefreshFailureReason: string;
  userId: string;
  loginType: string;
  oldOauthRefreshToken: string;
}

/** Parameters of DeleteUserLink (queries/user_links.sql:51). */
export interface DeleteUserLinkParams {
  userId: string;
  loginType: string;
}

/** Parameters of ListUserLinks (queries/user_links.sql:55). */
export interface ListUserLinksParams {
  afterUserId: string;
  afterLoginType: string;
  pageSize: number;
}

/** Parameters of UpdateUserLinkEncryption (queries/user_links.sql:63). */
export interface UpdateUserLinkEncryptionParams {
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  userId: string;
  loginType: string;
  oldOauthAccessToken: string;
  oldOauthRefreshToken: string;
}

/** Parameters of InsertUser (queries/users.sql:1). */
export interface InsertUserParams {
  id: string;
  username: string;
  name: string;
}

/** Parameters of GetUserByID (queries/users.sql:6). */
export interface GetUserByIDParams {
  id: string;
}

function toDbcryptKey(row: Row): DbcryptKey {
  return {
    number: row['number'] as number,
    activeKeyDigest: row['active_key_digest'] as string | null,
    revokedKeyDigest: row['revoked_key_digest'] as string | null,
    createdAt: row['created_at'] as Date,
    revokedAt: row['revoked_at'] as Date | null,
    test: row['test'] as string,
  };
}

function toExternalAuthLink(row: Row): ExternalAuthLink {
  return {
    providerId: row['provider_id'] as string,
    userId: row['user_id'] as string,
    createdAt: row['created_at'] as Date,
    updatedAt: row['updated_at'] as Date,
    oauthAccessToken: row['oauth_access_token'] as string,
    oauthRefreshToken: row['oauth_refresh_token'] as string,
    oauthExpiry: row['oauth_expiry'] as Date | null,
    oauthAccessTokenKeyId: row['oauth_access_token_key_id'] as string | null,
    oauthRefreshTokenKeyId: row['oauth_refresh_token_key_id'] as string | null,
    oauthExtra: row['oauth_extra'] as JsonValue,
    oauthRefreshFailureReason: row['oauth_refresh_failure_reason'] as string,
  };
}

function toUserLink(row: Row): UserLink {
  return {
    userId: row['user_id'] as string,
    loginType: row['login_type'] as string,
    linkedId: row['linked_id'] as string,
    oauthAccessToken: row['oauth_access_token'] as string,
    oauthRefreshToken: row['oauth_refresh_token'] as string,
    oauthExpiry: row['oauth_expiry'] as Date | null,
    oauthAccessTokenKeyId: row['oauth_access_token_key_id'] as string | null,
    oauthRefreshTokenKeyId: row['oauth_refresh_token_key_id'] as string | null,
    oauthRefreshFailureReason: row['oauth_refresh_failure_reason'] as string,
  };
}

function toUser(row: Row): User {
  return {
    id: row['id'] as string,
    username: row['username'] as string,
    name: row['name'] as string,
    createdAt: row['created_at'] as Date,
    updatedAt: row['updated_at'] as Date,
  };
}

/** SQL of GetDBCryptKeys (queries/dbcrypt.sql:3), parameters as $n. */
export const getDBCryptKeysSql = `SELECT * FROM dbcrypt_keys ORDER BY number`;

/**
 * GetDBCryptKeys.
 *
 * Returns every row. SQL: queries/dbcrypt.sql:3.
 *
 * @example
 * await getDBCryptKeys(db);
 */
export async function getDBCryptKeys(db: Executor): Promise<DbcryptKey[]> {
  const { rows } = await db.query(getDBCryptKeysSql, []);
  return rows.map(toDbcryptKey);
}

/** SQL of InsertDBCryptKey (queries/dbcrypt.sql:7), parameters as $n. */
export const insertDBCryptKeySql = `INSERT INTO dbcrypt_keys (active_key_digest, test)
VALUES ($1, $2)
ON CONFLICT (active_key_digest) DO NOTHING`;

/**
 * Registers a key at start-up; a key already registered is left as it is.
 *
 * Returns nothing. SQL: queries/dbcrypt.sql:7.
 *
 * @example
 * await insertDBCryptKey(db, { activeKeyDigest, test });
 */
export async function insertDBCryptKey(db: Executor, params: InsertDBCryptKeyParams): Promise<void> {
  await db.query(insertDBCryptKeySql, [params.activeKeyDigest, params.test]);
}

/** SQL of RevokeDBCryptKey (queries/dbcrypt.sql:13), parameters as $n. */
export const revokeDBCryptKeySql = `UPDATE dbcrypt_keys SET
    revoked_key_digest = active_key_digest,
    active_key_digest = NULL,
    revoked_at = now()
WHERE active_key_digest = $1`;

/**
 * Revokes a key. Fails (foreign key) while any value still uses it.
 *
 * Returns the number of rows affected. SQL: queries/dbcrypt.sql:13.
 *
 * @example
 * await revokeDBCryptKey(db, { activeKeyDigest });
 */
export async function revokeDBCryptKey(db: Executor, params: RevokeDBCryptKeyParams): Promise<number> {
  const { rowCount } = await db.query(revokeDBCryptKeySql, [params.activeKeyDigest]);
  return rowCount ?? 0;
}

/** SQL of GetExternalAuthLink (queries/external_auth.sql:1), parameters as $n. */
export const getExternalAuthLinkSql = `SELECT * FROM external_auth_links WHERE provider_id = $1 AND user_id = $2`;

/**
 * GetExternalAuthLink.
 *
 * Returns the row, or null when there is none. SQL: queries/external_auth.sql:1.
 *
 * @example
 * await getExternalAuthLink(db, { providerId, userId });
 */
export async function getExternalAuthLink(db: Executor, params: GetExternalAuthLinkParams): Promise<ExternalAuthLink | null> {
  const { rows } = await db.query(getExternalAuthLinkSql, [params.providerId, params.userId]);
  const row = rows[0];
  return row ? toExternalAuthLink(row) : null;
}

/** SQL of GetExternalAuthLinksByUserID (queries/external_auth.sql:4), parameters as $n. */
export const getExternalAuthLinksByUserIDSql = `SELECT * FROM external_auth_links WHERE user_id = $1 ORDER BY provider_id`;

/**
 * GetExternalAuthLinksByUserID.
 *
 * Returns every row. SQL: queries/external_auth.sql:4.
 *
 * @example
 * await getExternalAuthLinksByUserID(db, { userId });
 */
export async function getExternalAuthLinksByUserID(db: Executor, params: GetExternalAuthLinksByUserIDParams): Promise<ExternalAuthLink[]> {
  const { rows } = await db.query(getExternalAuthLinksByUserIDSql, [params.userId]);
  return rows.map(toExternalAuthLink);
}

/** SQL of InsertExternalAuthLink (queries/external_auth.sql:7), parameters as $n. */
export const insertExternalAuthLinkSql = `INSERT INTO external_auth_links (
    provider_id, user_id, created_at, updated_at,
    oauth_access_token, oauth_access_token_key_id,
    oauth_refresh_token, oauth_refresh_token_key_id,
    oauth_expiry, oauth_extra
) VALUES (
    $1, $2, $3, $4,
    $5, $6,
    $7, $8,
    $9, $10
)
RETURNING *`;

/**
 * InsertExternalAuthLink.
 *
 * Returns the inserted row. SQL: queries/external_auth.sql:7.
 *
 * @example
 * await insertExternalAuthLink(db, { providerId, userId, createdAt, updatedAt, oauthAccessToken, oauthAccessTokenKeyId, oauthRefreshToken, oauthRefreshTokenKeyId, oauthExpiry, oauthExtra });
 */
export async function insertExternalAuthLink(db: Executor, params: InsertExternalAuthLinkParams): Promise<ExternalAuthLink> {
  const { rows } = await db.query(insertExternalAuthLinkSql, [
    params.providerId,
    params.userId,
    params.createdAt,
    params.updatedAt,
    params.oauthAccessToken,
    params.oauthAccessTokenKeyId,
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.oauthExpiry,
    jsonText(params.oauthExtra),
  ]);
  const row = rows[0];
  if (!row) throw new Error('InsertExternalAuthLink returned no row');
  return toExternalAuthLink(row);
}

/** SQL of UpdateExternalAuthLink (queries/external_auth.sql:22), parameters as $n. */
export const updateExternalAuthLinkSql = `UPDATE external_auth_links SET
    updated_at = $1,
    oauth_access_token = $2,
    oauth_access_token_key_id = $3,
    oauth_refresh_token = $4,
    oauth_refresh_token_key_id = $5,
    oauth_expiry = $6,
    oauth_extra = $7,
    oauth_refresh_failure_reason = ''
WHERE provider_id = $8 AND user_id = $9
RETURNING *`;

/**
 * Unconditional: a new sign-in replaces whatever the link held.
 *
 * Returns the row, or null when there is none. SQL: queries/external_auth.sql:22.
 *
 * @example
 * await updateExternalAuthLink(db, { updatedAt, oauthAccessToken, oauthAccessTokenKeyId, oauthRefreshToken, oauthRefreshTokenKeyId, oauthExpiry, oauthExtra, providerId, userId });
 */
export async function updateExternalAuthLink(db: Executor, params: UpdateExternalAuthLinkParams): Promise<ExternalAuthLink | null> {
  const { rows } = await db.query(updateExternalAuthLinkSql, [
    params.updatedAt,
    params.oauthAccessToken,
    params.oauthAccessTokenKeyId,
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.oauthExpiry,
    jsonText(params.oauthExtra),
    params.providerId,
    params.userId,
  ]);
  const row = rows[0];
  return row ? toExternalAuthLink(row) : null;
}

/** SQL of UpdateExternalAuthLinkTokens (queries/external_auth.sql:37), parameters as $n. */
export const updateExternalAuthLinkTokensSql = `UPDATE external_auth_links SET
    updated_at = $1,
    oauth_access_token = $2,
    oauth_access_token_key_id = $3,
    oauth_refresh_token = $4,
    oauth_refresh_token_key_id = $5,
    oauth_expiry = $6,
    oauth_extra = $7,
    oauth_refresh_failure_reason = ''
WHERE provider_id = $8 AND user_id = $9
    AND oauth_refresh_token = $10`;

/**
 * Saves a refreshed token pair. Optimistic: changes nothing (0 rows) unless the
 * row still holds the refresh token that was exchanged.
 *
 * Returns the number of rows affected. SQL: queries/external_auth.sql:37.
 *
 * @example
 * await updateExternalAuthLinkTokens(db, { updatedAt, oauthAccessToken, oauthAccessTokenKeyId, oauthRefreshToken, oauthRefreshTokenKeyId, oauthExpiry, oauthExtra, providerId, userId, oldOauthRefreshToken });
 */
export async function updateExternalAuthLinkTokens(db: Executor, params: UpdateExternalAuthLinkTokensParams): Promise<number> {
  const { rowCount } = await db.query(updateExternalAuthLinkTokensSql, [
    params.updatedAt,
    params.oauthAccessToken,
    params.oauthAccessTokenKeyId,
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.oauthExpiry,
    jsonText(params.oauthExtra),
    params.providerId,
    params.userId,
    params.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

/** SQL of UpdateExternalAuthLinkRefreshToken (queries/external_auth.sql:52), parameters as $n. */
export const updateExternalAuthLinkRefreshTokenSql = `UPDATE external_auth_links SET
    updated_at = $1,
    oauth_refresh_token = $2,
    oauth_refresh_token_key_id = $3,
    oauth_refresh_failure_reason = $4
WHERE provider_id = $5 AND user_id = $6
    AND oauth_refresh_token = $7`;

/**
 * Replaces the refresh token only (to '' when the provider rejected it),
 * recording why. Optimistic like UpdateExternalAuthLinkTokens.
 *
 * Returns the number of rows affected. SQL: queries/external_auth.sql:52.
 *
 * @example
 * await updateExternalAuthLinkRefreshToken(db, { updatedAt, oauthRefreshToken, oauthRefreshTokenKeyId, oauthRefreshFailureReason, providerId, userId, oldOauthRefreshToken });
 */
export async function updateExternalAuthLinkRefreshToken(db: Executor, params: UpdateExternalAuthLinkRefreshTokenParams): Promise<number> {
  const { rowCount } = await db.query(updateExternalAuthLinkRefreshTokenSql, [
    params.updatedAt,
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.oauthRefreshFailureReason,
    params.providerId,
    params.userId,
    params.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

/** SQL of DeleteExternalAuthLink (queries/external_auth.sql:61), parameters as $n. */
export const deleteExternalAuthLinkSql = `DELETE FROM external_auth_links WHERE provider_id = $1 AND user_id = $2`;

/**
 * DeleteExternalAuthLink.
 *
 * Returns the number of rows affected. SQL: queries/external_auth.sql:61.
 *
 * @example
 * await deleteExternalAuthLink(db, { providerId, userId });
 */
export async function deleteExternalAuthLink(db: Executor, params: DeleteExternalAuthLinkParams): Promise<number> {
  const { rowCount } = await db.query(deleteExternalAuthLinkSql, [params.providerId, params.userId]);
  return rowCount ?? 0;
}

/** SQL of ListExternalAuthLinks (queries/external_auth.sql:65), parameters as $n. */
export const listExternalAuthLinksSql = `SELECT * FROM external_auth_links
WHERE (provider_id, user_id) > ($1, $2::uuid)
ORDER BY provider_id, user_id
LIMIT $3::int`;

/**
 * Every link, a page at a time in key order (key rotation walks the table).
 *
 * Returns every row. SQL: queries/external_auth.sql:65.
 *
 * @example
 * await listExternalAuthLinks(db, { afterProviderId, afterUserId, pageSize });
 */
export async function listExternalAuthLinks(db: Executor, params: ListExternalAuthLinksParams): Promise<ExternalAuthLink[]> {
  const { rows } = await db.query(listExternalAuthLinksSql, [params.afterProviderId, params.afterUserId, params.pageSize]);
  return rows.map(toExternalAuthLink);
}

/** SQL of UpdateExternalAuthLinkEncryption (queries/external_auth.sql:74), parameters as $n. */
export const updateExternalAuthLinkEncryptionSql = `UPDATE external_auth_links SET
    oauth_access_token = $1,
    oauth_access_token_key_id = $2,
    oauth_refresh_token = $3,
    oauth_refresh_token_key_id = $4
WHERE provider_id = $5 AND user_id = $6
    AND oauth_access_token = $7
    AND oauth_refresh_token = $8`;

/**
 * Rewrites both token columns and their key ids (encryption, rotation,
 * decryption) without touching anything else. Compare-and-swap on the stored
 * values, so a refresh that lands in between is never overwritten.
 *
 * Returns the number of rows affected. SQL: queries/external_auth.sql:74.
 *
 * @example
 * await updateExternalAuthLinkEncryption(db, { oauthAccessToken, oauthAccessTokenKeyId, oauthRefreshToken, oauthRefreshTokenKeyId, providerId, userId, oldOauthAccessToken, oldOauthRefreshToken });
 */
export async function updateExternalAuthLinkEncryption(db: Executor, params: UpdateExternalAuthLinkEncryptionParams): Promise<number> {
  const { rowCount } = await db.query(updateExternalAuthLinkEncryptionSql, [
    params.oauthAccessToken,
    params.oauthAccessTokenKeyId,
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.providerId,
    params.userId,
    params.oldOauthAccessToken,
    params.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

/** SQL of AcquireRefreshLock (queries/locks.sql:3), parameters as $n. */
export const acquireRefreshLockSql = `SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))`;

/**
 * Cross-replica exclusion for one token refresh: held until the transaction
 * ends, released by the server if the holder's connection dies.
 *
 * Returns nothing. SQL: queries/locks.sql:3.
 *
 * @example
 * await acquireRefreshLock(db, { lockKey });
 */
export async function acquireRefreshLock(db: Executor, params: AcquireRefreshLockParams): Promise<void> {
  await db.query(acquireRefreshLockSql, [params.lockKey]);
}

/** SQL of GetUserLinkByUserIDLoginType (queries/user_links.sql:1), parameters as $n. */
export const getUserLinkByUserIDLoginTypeSql = `SELECT * FROM user_links WHERE user_id = $1 AND login_type = $2`;

/**
 * GetUserLinkByUserIDLoginType.
 *
 * Returns the row, or null when there is none. SQL: queries/user_links.sql:1.
 *
 * @example
 * await getUserLinkByUserIDLoginType(db, { userId, loginType });
 */
export async function getUserLinkByUserIDLoginType(db: Executor, params: GetUserLinkByUserIDLoginTypeParams): Promise<UserLink | null> {
  const { rows } = await db.query(getUserLinkByUserIDLoginTypeSql, [params.userId, params.loginType]);
  const row = rows[0];
  return row ? toUserLink(row) : null;
}

/** SQL of InsertUserLink (queries/user_links.sql:4), parameters as $n. */
export const insertUserLinkSql = `INSERT INTO user_links (
    user_id, login_type, linked_id,
    oauth_access_token, oauth_access_token_key_id,
    oauth_refresh_token, oauth_refresh_token_key_id,
    oauth_expiry
) VALUES (
    $1, $2, $3,
    $4, $5,
    $6, $7,
    $8
)
RETURNING *`;

/**
 * InsertUserLink.
 *
 * Returns the inserted row. SQL: queries/user_links.sql:4.
 *
 * @example
 * await insertUserLink(db, { userId, loginType, linkedId, oauthAccessToken, oauthAccessTokenKeyId, oauthRefreshToken, oauthRefreshTokenKeyId, oauthExpiry });
 */
export async function insertUserLink(db: Executor, params: InsertUserLinkParams): Promise<UserLink> {
  const { rows } = await db.query(insertUserLinkSql, [
    params.userId,
    params.loginType,
    params.linkedId,
    params.oauthAccessToken,
    params.oauthAccessTokenKeyId,
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.oauthExpiry,
  ]);
  const row = rows[0];
  if (!row) throw new Error('InsertUserLink returned no row');
  return toUserLink(row);
}

/** SQL of UpdateUserLink (queries/user_links.sql:19), parameters as $n. */
export const updateUserLinkSql = `UPDATE user_links SET
    oauth_access_token = $1,
    oauth_access_token_key_id = $2,
    oauth_refresh_token = $3,
    oauth_refresh_token_key_id = $4,
    oauth_expiry = $5,
    oauth_refresh_failure_reason = ''
WHERE user_id = $6 AND login_type = $7
RETURNING *`;

/**
 * Unconditional: a new sign-in replaces whatever the link held.
 *
 * Returns the row, or null when there is none. SQL: queries/user_links.sql:19.
 *
 * @example
 * await updateUserLink(db, { oauthAccessToken, oauthAccessTokenKeyId, oauthRefreshToken, oauthRefreshTokenKeyId, oauthExpiry, userId, loginType });
 */
export async function updateUserLink(db: Executor, params: UpdateUserLinkParams): Promise<UserLink | null> {
  const { rows } = await db.query(updateUserLinkSql, [
    params.oauthAccessToken,
    params.oauthAccessTokenKeyId,
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.oauthExpiry,
    params.userId,
    params.loginType,
  ]);
  const row = rows[0];
  return row ? toUserLink(row) : null;
}

/** SQL of UpdateUserLinkTokens (queries/user_links.sql:31), parameters as $n. */
export const updateUserLinkTokensSql = `UPDATE user_links SET
    oauth_access_token = $1,
    oauth_access_token_key_id = $2,
    oauth_refresh_token = $3,
    oauth_refresh_token_key_id = $4,
    oauth_expiry = $5,
    oauth_refresh_failure_reason = ''
WHERE user_id = $6 AND login_type = $7
    AND oauth_refresh_token = $8`;

/**
 * Saves a refreshed token pair; optimistic on the old refresh token.
 *
 * Returns the number of rows affected. SQL: queries/user_links.sql:31.
 *
 * @example
 * await updateUserLinkTokens(db, { oauthAccessToken, oauthAccessTokenKeyId, oauthRefreshToken, oauthRefreshTokenKeyId, oauthExpiry, userId, loginType, oldOauthRefreshToken });
 */
export async function updateUserLinkTokens(db: Executor, params: UpdateUserLinkTokensParams): Promise<number> {
  const { rowCount } = await db.query(updateUserLinkTokensSql, [
    params.oauthAccessToken,
    params.oauthAccessTokenKeyId,
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.oauthExpiry,
    params.userId,
    params.loginType,
    params.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

/** SQL of UpdateUserLinkRefreshToken (queries/user_links.sql:43), parameters as $n. */
export const updateUserLinkRefreshTokenSql = `UPDATE user_links SET
    oauth_refresh_token = $1,
    oauth_refresh_token_key_id = $2,
    oauth_refresh_failure_reason = $3
WHERE user_id = $4 AND login_type = $5
    AND oauth_refresh_token = $6`;

/**
 * Replaces the refresh token only, recording why; optimistic.
 *
 * Returns the number of rows affected. SQL: queries/user_links.sql:43.
 *
 * @example
 * await updateUserLinkRefreshToken(db, { oauthRefreshToken, oauthRefreshTokenKeyId, oauthRefreshFailureReason, userId, loginType, oldOauthRefreshToken });
 */
export async function updateUserLinkRefreshToken(db: Executor, params: UpdateUserLinkRefreshTokenParams): Promise<number> {
  const { rowCount } = await db.query(updateUserLinkRefreshTokenSql, [
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.oauthRefreshFailureReason,
    params.userId,
    params.loginType,
    params.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

/** SQL of DeleteUserLink (queries/user_links.sql:51), parameters as $n. */
export const deleteUserLinkSql = `DELETE FROM user_links WHERE user_id = $1 AND login_type = $2`;

/**
 * DeleteUserLink.
 *
 * Returns the number of rows affected. SQL: queries/user_links.sql:51.
 *
 * @example
 * await deleteUserLink(db, { userId, loginType });
 */
export async function deleteUserLink(db: Executor, params: DeleteUserLinkParams): Promise<number> {
  const { rowCount } = await db.query(deleteUserLinkSql, [params.userId, params.loginType]);
  return rowCount ?? 0;
}

/** SQL of ListUserLinks (queries/user_links.sql:55), parameters as $n. */
export const listUserLinksSql = `SELECT * FROM user_links
WHERE (user_id, login_type) > ($1::uuid, $2)
ORDER BY user_id, login_type
LIMIT $3::int`;

/**
 * Every link, a page at a time in key order (key rotation walks the table).
 *
 * Returns every row. SQL: queries/user_links.sql:55.
 *
 * @example
 * await listUserLinks(db, { afterUserId, afterLoginType, pageSize });
 */
export async function listUserLinks(db: Executor, params: ListUserLinksParams): Promise<UserLink[]> {
  const { rows } = await db.query(listUserLinksSql, [params.afterUserId, params.afterLoginType, params.pageSize]);
  return rows.map(toUserLink);
}

/** SQL of UpdateUserLinkEncryption (queries/user_links.sql:63), parameters as $n. */
export const updateUserLinkEncryptionSql = `UPDATE user_links SET
    oauth_access_token = $1,
    oauth_access_token_key_id = $2,
    oauth_refresh_token = $3,
    oauth_refresh_token_key_id = $4
WHERE user_id = $5 AND login_type = $6
    AND oauth_access_token = $7
    AND oauth_refresh_token = $8`;

/**
 * Rewrites both token columns and their key ids; compare-and-swap like
 * UpdateExternalAuthLinkEncryption.
 *
 * Returns the number of rows affected. SQL: queries/user_links.sql:63.
 *
 * @example
 * await updateUserLinkEncryption(db, { oauthAccessToken, oauthAccessTokenKeyId, oauthRefreshToken, oauthRefreshTokenKeyId, userId, loginType, oldOauthAccessToken, oldOauthRefreshToken });
 */
export async function updateUserLinkEncryption(db: Executor, params: UpdateUserLinkEncryptionParams): Promise<number> {
  const { rowCount } = await db.query(updateUserLinkEncryptionSql, [
    params.oauthAccessToken,
    params.oauthAccessTokenKeyId,
    params.oauthRefreshToken,
    params.oauthRefreshTokenKeyId,
    params.userId,
    params.loginType,
    params.oldOauthAccessToken,
    params.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

/** SQL of InsertUser (queries/users.sql:1), parameters as $n. */
export const insertUserSql = `INSERT INTO users (id, username, name)
VALUES ($1, $2, $3)
RETURNING *`;

/**
 * InsertUser.
 *
 * Returns the inserted row. SQL: queries/users.sql:1.
 *
 * @example
 * await insertUser(db, { id, username, name });
 */
export async function insertUser(db: Executor, params: InsertUserParams): Promise<User> {
  const { rows } = await db.query(insertUserSql, [params.id, params.username, params.name]);
  const row = rows[0];
  if (!row) throw new Error('InsertUser returned no row');
  return toUser(row);
}

/** SQL of GetUserByID (queries/users.sql:6), parameters as $n. */
export const getUserByIDSql = `SELECT * FROM users WHERE id = $1`;

/**
 * GetUserByID.
 *
 * Returns the row, or null when there is none. SQL: queries/users.sql:6.
 *
 * @example
 * await getUserByID(db, { id });
 */
export async function getUserByID(db: Executor, params: GetUserByIDParams): Promise<User | null> {
  const { rows } = await db.query(getUserByIDSql, [params.id]);
  const row = rows[0];
  return row ? toUser(row) : null;
}

/** Every query as a method; a `Store` is a Querier plus transactions. */
export interface Querier {
  /** GetDBCryptKeys (queries/dbcrypt.sql:3). */
  getDBCryptKeys(): Promise<DbcryptKey[]>;
  /** InsertDBCryptKey (queries/dbcrypt.sql:7). */
  insertDBCryptKey(params: InsertDBCryptKeyParams): Promise<void>;
  /** RevokeDBCryptKey (queries/dbcrypt.sql:13). */
  revokeDBCryptKey(params: RevokeDBCryptKeyParams): Promise<number>;
  /** GetExternalAuthLink (queries/external_auth.sql:1). */
  getExternalAuthLink(params: GetExternalAuthLinkParams): Promise<ExternalAuthLink | null>;
  /** GetExternalAuthLinksByUserID (queries/external_auth.sql:4). */
  getExternalAuthLinksByUserID(params: GetExternalAuthLinksByUserIDParams): Promise<ExternalAuthLink[]>;
  /** InsertExternalAuthLink (queries/external_auth.sql:7). */
  insertExternalAuthLink(params: InsertExternalAuthLinkParams): Promise<ExternalAuthLink>;
  /** UpdateExternalAuthLink (queries/external_auth.sql:22). */
  updateExternalAuthLink(params: UpdateExternalAuthLinkParams): Promise<ExternalAuthLink | null>;
  /** UpdateExternalAuthLinkTokens (queries/external_auth.sql:37). */
  updateExternalAuthLinkTokens(params: UpdateExternalAuthLinkTokensParams): Promise<number>;
  /** UpdateExternalAuthLinkRefreshToken (queries/external_auth.sql:52). */
  updateExternalAuthLinkRefreshToken(params: UpdateExternalAuthLinkRefreshTokenParams): Promise<number>;
  /** DeleteExternalAuthLink (queries/external_auth.sql:61). */
  deleteExternalAuthLink(params: DeleteExternalAuthLinkParams): Promise<number>;
  /** ListExternalAuthLinks (queries/external_auth.sql:65). */
  listExternalAuthLinks(params: ListExternalAuthLinksParams): Promise<ExternalAuthLink[]>;
  /** UpdateExternalAuthLinkEncryption (queries/external_auth.sql:74). */
  updateExternalAuthLinkEncryption(params: UpdateExternalAuthLinkEncryptionParams): Promise<number>;
  /** AcquireRefreshLock (queries/locks.sql:3). */
  acquireRefreshLock(params: AcquireRefreshLockParams): Promise<void>;
  /** GetUserLinkByUserIDLoginType (queries/user_links.sql:1). */
  getUserLinkByUserIDLoginType(params: GetUserLinkByUserIDLoginTypeParams): Promise<UserLink | null>;
  /** InsertUserLink (queries/user_links.sql:4). */
  insertUserLink(params: InsertUserLinkParams): Promise<UserLink>;
  /** UpdateUserLink (queries/user_links.sql:19). */
  updateUserLink(params: UpdateUserLinkParams): Promise<UserLink | null>;
  /** UpdateUserLinkTokens (queries/user_links.sql:31). */
  updateUserLinkTokens(params: UpdateUserLinkTokensParams): Promise<number>;
  /** UpdateUserLinkRefreshToken (queries/user_links.sql:43). */
  updateUserLinkRefreshToken(params: UpdateUserLinkRefreshTokenParams): Promise<number>;
  /** DeleteUserLink (queries/user_links.sql:51). */
  deleteUserLink(params: DeleteUserLinkParams): Promise<number>;
  /** ListUserLinks (queries/user_links.sql:55). */
  listUserLinks(params: ListUserLinksParams): Promise<UserLink[]>;
  /** UpdateUserLinkEncryption (queries/user_links.sql:63). */
  updateUserLinkEncryption(params: UpdateUserLinkEncryptionParams): Promise<number>;
  /** InsertUser (queries/users.sql:1). */
  insertUser(params: InsertUserParams): Promise<User>;
  /** GetUserByID (queries/users.sql:6). */
  getUserByID(params: GetUserByIDParams): Promise<User | null>;
}

/** Names of every Querier method: layers and their tests check they cover all of them. */
export const QUERIER_METHODS = [
  'getDBCryptKeys',
  'insertDBCryptKey',
  'revokeDBCryptKey',
  'getExternalAuthLink',
  'getExternalAuthLinksByUserID',
  'insertExternalAuthLink',
  'updateExternalAuthLink',
  'updateExternalAuthLinkTokens',
  'updateExternalAuthLinkRefreshToken',
  'deleteExternalAuthLink',
  'listExternalAuthLinks',
  'updateExternalAuthLinkEncryption',
  'acquireRefreshLock',
  'getUserLinkByUserIDLoginType',
  'insertUserLink',
  'updateUserLink',
  'updateUserLinkTokens',
  'updateUserLinkRefreshToken',
  'deleteUserLink',
  'listUserLinks',
  'updateUserLinkEncryption',
  'insertUser',
  'getUserByID',
] as const satisfies ReadonlyArray<keyof Querier>;

/**
 * Binds every query to one executor (the pool, or a transaction's connection).
 *
 * @example
 * const querier = bindQuerier(driver.pool);
 * await querier.getDBCryptKeys(...);
 */
export function bindQuerier(db: Executor): Querier {
  return {
    getDBCryptKeys: () => getDBCryptKeys(db),
    insertDBCryptKey: (params) => insertDBCryptKey(db, params),
    revokeDBCryptKey: (params) => revokeDBCryptKey(db, params),
    getExternalAuthLink: (params) => getExternalAuthLink(db, params),
    getExternalAuthLinksByUserID: (params) => getExternalAuthLinksByUserID(db, params),
    insertExternalAuthLink: (params) => insertExternalAuthLink(db, params),
    updateExternalAuthLink: (params) => updateExternalAuthLink(db, params),
    updateExternalAuthLinkTokens: (params) => updateExternalAuthLinkTokens(db, params),
    updateExternalAuthLinkRefreshToken: (params) => updateExternalAuthLinkRefreshToken(db, params),
    deleteExternalAuthLink: (params) => deleteExternalAuthLink(db, params),
    listExternalAuthLinks: (params) => listExternalAuthLinks(db, params),
    updateExternalAuthLinkEncryption: (params) => updateExternalAuthLinkEncryption(db, params),
    acquireRefreshLock: (params) => acquireRefreshLock(db, params),
    getUserLinkByUserIDLoginType: (params) => getUserLinkByUserIDLoginType(db, params),
    insertUserLink: (params) => insertUserLink(db, params),
    updateUserLink: (params) => updateUserLink(db, params),
    updateUserLinkTokens: (params) => updateUserLinkTokens(db, params),
    updateUserLinkRefreshToken: (params) => updateUserLinkRefreshToken(db, params),
    deleteUserLink: (params) => deleteUserLink(db, params),
    listUserLinks: (params) => listUserLinks(db, params),
    updateUserLinkEncryption: (params) => updateUserLinkEncryption(db, params),
    insertUser: (params) => insertUser(db, params),
    getUserByID: (params) => getUserByID(db, params),
  };
}

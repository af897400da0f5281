// Typed queries for the SQL in ../queries/*.sql: one function per query, its
// parameter and row types, and the Querier interface over all of them. This is
// the shape tools/sqlgen emits; keep the two in step.
import type { Executor } from './driver.js';

export interface User {
  id: string;
  username: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ExternalAuthLink {
  providerId: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  oauthAccessToken: string;
  oauthRefreshToken: string;
  /** null: the access token does not expire. */
  oauthExpiry: Date | null;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshTokenKeyId: string | null;
  oauthExtra: unknown;
  oauthRefreshFailureReason: string;
}

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

export interface InsertUserParams { id: string; username: string; name: string }
export interface GetUserByIDParams { id: string }
export interface ExternalAuthLinkKey { providerId: string; userId: string }
export interface GetExternalAuthLinksByUserIDParams { userId: string }
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
  oauthExtra: unknown;
}
export type UpdateExternalAuthLinkParams = Omit<InsertExternalAuthLinkParams, 'createdAt'>;
export interface UpdateExternalAuthLinkTokensParams extends UpdateExternalAuthLinkParams {
  oldOauthRefreshToken: string;
}
export interface UpdateExternalAuthLinkRefreshTokenParams extends ExternalAuthLinkKey {
  updatedAt: Date;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthRefreshFailureReason: string;
  oldOauthRefreshToken: string;
}
export interface UserLinkKey { userId: string; loginType: string }
export interface InsertUserLinkParams extends UserLinkKey {
  linkedId: string;
  oauthAccessToken: string;
  oauthAccessTokenKeyId: string | null;
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthExpiry: Date | null;
}
export type UpdateUserLinkParams = Omit<InsertUserLinkParams, 'linkedId'>;
export interface UpdateUserLinkTokensParams extends UpdateUserLinkParams {
  oldOauthRefreshToken: string;
}
export interface UpdateUserLinkRefreshTokenParams extends UserLinkKey {
  oauthRefreshToken: string;
  oauthRefreshTokenKeyId: string | null;
  oauthRefreshFailureReason: string;
  oldOauthRefreshToken: string;
}
export interface AcquireRefreshLockParams { lockKey: string }

/** Every query as a method; a `Store` is a Querier plus transactions. */
export interface Querier {
  insertUser(params: InsertUserParams): Promise<User>;
  getUserByID(params: GetUserByIDParams): Promise<User | null>;
  getExternalAuthLink(params: ExternalAuthLinkKey): Promise<ExternalAuthLink | null>;
  getExternalAuthLinksByUserID(params: GetExternalAuthLinksByUserIDParams): Promise<ExternalAuthLink[]>;
  insertExternalAuthLink(params: InsertExternalAuthLinkParams): Promise<ExternalAuthLink>;
  updateExternalAuthLink(params: UpdateExternalAuthLinkParams): Promise<ExternalAuthLink | null>;
  updateExternalAuthLinkTokens(params: UpdateExternalAuthLinkTokensParams): Promise<number>;
  updateExternalAuthLinkRefreshToken(params: UpdateExternalAuthLinkRefreshTokenParams): Promise<number>;
  deleteExternalAuthLink(params: ExternalAuthLinkKey): Promise<number>;
  getUserLinkByUserIDLoginType(params: UserLinkKey): Promise<UserLink | null>;
  insertUserLink(params: InsertUserLinkParams): Promise<UserLink>;
  updateUserLink(params: UpdateUserLinkParams): Promise<UserLink | null>;
  updateUserLinkTokens(params: UpdateUserLinkTokensParams): Promise<number>;
  updateUserLinkRefreshToken(params: UpdateUserLinkRefreshTokenParams): Promise<number>;
  deleteUserLink(params: UserLinkKey): Promise<number>;
  acquireRefreshLock(params: AcquireRefreshLockParams): Promise<void>;
}

/** Names of every Querier method: layers and their tests check they cover all of them. */
export const QUERIER_METHODS = [
  'insertUser',
  'getUserByID',
  'getExternalAuthLink',
  'getExternalAuthLinksByUserID',
  'insertExternalAuthLink',
  'updateExternalAuthLink',
  'updateExternalAuthLinkTokens',
  'updateExternalAuthLinkRefreshToken',
  'deleteExternalAuthLink',
  'getUserLinkByUserIDLoginType',
  'insertUserLink',
  'updateUserLink',
  'updateUserLinkTokens',
  'updateUserLinkRefreshToken',
  'deleteUserLink',
  'acquireRefreshLock',
] as const satisfies ReadonlyArray<keyof Querier>;

type Row = Record<string, unknown>;

const toUser = (r: Row): User => ({
  id: r.id as string,
  username: r.username as string,
  name: r.name as string,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
});

const toExternalAuthLink = (r: Row): ExternalAuthLink => ({
  providerId: r.provider_id as string,
  userId: r.user_id as string,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
  oauthAccessToken: r.oauth_access_token as string,
  oauthRefreshToken: r.oauth_refresh_token as string,
  oauthExpiry: r.oauth_expiry as Date | null,
  oauthAccessTokenKeyId: r.oauth_access_token_key_id as string | null,
  oauthRefreshTokenKeyId: r.oauth_refresh_token_key_id as string | null,
  oauthExtra: r.oauth_extra ?? null,
  oauthRefreshFailureReason: r.oauth_refresh_failure_reason as string,
});

const toUserLink = (r: Row): UserLink => ({
  userId: r.user_id as string,
  loginType: r.login_type as string,
  linkedId: r.linked_id as string,
  oauthAccessToken: r.oauth_access_token as string,
  oauthRefreshToken: r.oauth_refresh_token as string,
  oauthExpiry: r.oauth_expiry as Date | null,
  oauthAccessTokenKeyId: r.oauth_access_token_key_id as string | null,
  oauthRefreshTokenKeyId: r.oauth_refresh_token_key_id as string | null,
  oauthRefreshFailureReason: r.oauth_refresh_failure_reason as string,
});

// jsonb parameters go as JSON text: pg would send a JS array as a PostgreSQL array.
const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

const first = <T>(rows: Row[], map: (r: Row) => T): T | null => (rows[0] ? map(rows[0]) : null);

export const insertUserSql = 'INSERT INTO users (id, username, name) VALUES ($1, $2, $3) RETURNING *';
export async function insertUser(db: Executor, p: InsertUserParams): Promise<User> {
  const { rows } = await db.query(insertUserSql, [p.id, p.username, p.name]);
  return toUser(rows[0]!);
}

export const getUserByIDSql = 'SELECT * FROM users WHERE id = $1';
export async function getUserByID(db: Executor, p: GetUserByIDParams): Promise<User | null> {
  const { rows } = await db.query(getUserByIDSql, [p.id]);
  return first(rows, toUser);
}

export const getExternalAuthLinkSql = 'SELECT * FROM external_auth_links WHERE provider_id = $1 AND user_id = $2';
export async function getExternalAuthLink(db: Executor, p: ExternalAuthLinkKey): Promise<ExternalAuthLink | null> {
  const { rows } = await db.query(getExternalAuthLinkSql, [p.providerId, p.userId]);
  return first(rows, toExternalAuthLink);
}

export const getExternalAuthLinksByUserIDSql = 'SELECT * FROM external_auth_links WHERE user_id = $1 ORDER BY provider_id';
export async function getExternalAuthLinksByUserID(db: Executor, p: GetExternalAuthLinksByUserIDParams): Promise<ExternalAuthLink[]> {
  const { rows } = await db.query(getExternalAuthLinksByUserIDSql, [p.userId]);
  return rows.map(toExternalAuthLink);
}

export const insertExternalAuthLinkSql = `INSERT INTO external_auth_links (
    provider_id, user_id, created_at, updated_at, oauth_access_token, oauth_access_token_key_id,
    oauth_refresh_token, oauth_refresh_token_key_id, oauth_expiry, oauth_extra
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`;
export async function insertExternalAuthLink(db: Executor, p: InsertExternalAuthLinkParams): Promise<ExternalAuthLink> {
  const { rows } = await db.query(insertExternalAuthLinkSql, [
    p.providerId, p.userId, p.createdAt, p.updatedAt, p.oauthAccessToken, p.oauthAccessTokenKeyId,
    p.oauthRefreshToken, p.oauthRefreshTokenKeyId, p.oauthExpiry, json(p.oauthExtra),
  ]);
  return toExternalAuthLink(rows[0]!);
}

const externalAuthLinkTokensSet = `updated_at = $3, oauth_access_token = $4, oauth_access_token_key_id = $5,
    oauth_refresh_token = $6, oauth_refresh_token_key_id = $7, oauth_expiry = $8, oauth_extra = $9,
    oauth_refresh_failure_reason = ''`;

export const updateExternalAuthLinkSql = `UPDATE external_auth_links SET ${externalAuthLinkTokensSet}
WHERE provider_id = $1 AND user_id = $2 RETURNING *`;
export async function updateExternalAuthLink(db: Executor, p: UpdateExternalAuthLinkParams): Promise<ExternalAuthLink | null> {
  const { rows } = await db.query(updateExternalAuthLinkSql, [
    p.providerId, p.userId, p.updatedAt, p.oauthAccessToken, p.oauthAccessTokenKeyId,
    p.oauthRefreshToken, p.oauthRefreshTokenKeyId, p.oauthExpiry, json(p.oauthExtra),
  ]);
  return first(rows, toExternalAuthLink);
}

export const updateExternalAuthLinkTokensSql = `UPDATE external_auth_links SET ${externalAuthLinkTokensSet}
WHERE provider_id = $1 AND user_id = $2 AND oauth_refresh_token = $10`;
export async function updateExternalAuthLinkTokens(db: Executor, p: UpdateExternalAuthLinkTokensParams): Promise<number> {
  const { rowCount } = await db.query(updateExternalAuthLinkTokensSql, [
    p.providerId, p.userId, p.updatedAt, p.oauthAccessToken, p.oauthAccessTokenKeyId,
    p.oauthRefreshToken, p.oauthRefreshTokenKeyId, p.oauthExpiry, json(p.oauthExtra), p.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

export const updateExternalAuthLinkRefreshTokenSql = `UPDATE external_auth_links SET
    updated_at = $3, oauth_refresh_token = $4, oauth_refresh_token_key_id = $5, oauth_refresh_failure_reason = $6
WHERE provider_id = $1 AND user_id = $2 AND oauth_refresh_token = $7`;
export async function updateExternalAuthLinkRefreshToken(db: Executor, p: UpdateExternalAuthLinkRefreshTokenParams): Promise<number> {
  const { rowCount } = await db.query(updateExternalAuthLinkRefreshTokenSql, [
    p.providerId, p.userId, p.updatedAt, p.oauthRefreshToken, p.oauthRefreshTokenKeyId,
    p.oauthRefreshFailureReason, p.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

export const deleteExternalAuthLinkSql = 'DELETE FROM external_auth_links WHERE provider_id = $1 AND user_id = $2';
export async function deleteExternalAuthLink(db: Executor, p: ExternalAuthLinkKey): Promise<number> {
  const { rowCount } = await db.query(deleteExternalAuthLinkSql, [p.providerId, p.userId]);
  return rowCount ?? 0;
}

export const getUserLinkByUserIDLoginTypeSql = 'SELECT * FROM user_links WHERE user_id = $1 AND login_type = $2';
export async function getUserLinkByUserIDLoginType(db: Executor, p: UserLinkKey): Promise<UserLink | null> {
  const { rows } = await db.query(getUserLinkByUserIDLoginTypeSql, [p.userId, p.loginType]);
  return first(rows, toUserLink);
}

export const insertUserLinkSql = `INSERT INTO user_links (
    user_id, login_type, linked_id, oauth_access_token, oauth_access_token_key_id,
    oauth_refresh_token, oauth_refresh_token_key_id, oauth_expiry
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`;
export async function insertUserLink(db: Executor, p: InsertUserLinkParams): Promise<UserLink> {
  const { rows } = await db.query(insertUserLinkSql, [
    p.userId, p.loginType, p.linkedId, p.oauthAccessToken, p.oauthAccessTokenKeyId,
    p.oauthRefreshToken, p.oauthRefreshTokenKeyId, p.oauthExpiry,
  ]);
  return toUserLink(rows[0]!);
}

const userLinkTokensSet = `oauth_access_token = $3, oauth_access_token_key_id = $4, oauth_refresh_token = $5,
    oauth_refresh_token_key_id = $6, oauth_expiry = $7, oauth_refresh_failure_reason = ''`;

export const updateUserLinkSql = `UPDATE user_links SET ${userLinkTokensSet}
WHERE user_id = $1 AND login_type = $2 RETURNING *`;
export async function updateUserLink(db: Executor, p: UpdateUserLinkParams): Promise<UserLink | null> {
  const { rows } = await db.query(updateUserLinkSql, [
    p.userId, p.loginType, p.oauthAccessToken, p.oauthAccessTokenKeyId, p.oauthRefreshToken, p.oauthRefreshTokenKeyId, p.oauthExpiry,
  ]);
  return first(rows, toUserLink);
}

export const updateUserLinkTokensSql = `UPDATE user_links SET ${userLinkTokensSet}
WHERE user_id = $1 AND login_type = $2 AND oauth_refresh_token = $8`;
export async function updateUserLinkTokens(db: Executor, p: UpdateUserLinkTokensParams): Promise<number> {
  const { rowCount } = await db.query(updateUserLinkTokensSql, [
    p.userId, p.loginType, p.oauthAccessToken, p.oauthAccessTokenKeyId, p.oauthRefreshToken, p.oauthRefreshTokenKeyId,
    p.oauthExpiry, p.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

export const updateUserLinkRefreshTokenSql = `UPDATE user_links SET
    oauth_refresh_token = $3, oauth_refresh_token_key_id = $4, oauth_refresh_failure_reason = $5
WHERE user_id = $1 AND login_type = $2 AND oauth_refresh_token = $6`;
export async function updateUserLinkRefreshToken(db: Executor, p: UpdateUserLinkRefreshTokenParams): Promise<number> {
  const { rowCount } = await db.query(updateUserLinkRefreshTokenSql, [
    p.userId, p.loginType, p.oauthRefreshToken, p.oauthRefreshTokenKeyId, p.oauthRefreshFailureReason, p.oldOauthRefreshToken,
  ]);
  return rowCount ?? 0;
}

export const deleteUserLinkSql = 'DELETE FROM user_links WHERE user_id = $1 AND login_type = $2';
export async function deleteUserLink(db: Executor, p: UserLinkKey): Promise<number> {
  const { rowCount } = await db.query(deleteUserLinkSql, [p.userId, p.loginType]);
  return rowCount ?? 0;
}

export const acquireRefreshLockSql = 'SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))';
export async function acquireRefreshLock(db: Executor, p: AcquireRefreshLockParams): Promise<void> {
  await db.query(acquireRefreshLockSql, [p.lockKey]);
}

/** Binds every query to one executor (the pool, or a transaction's connection). */
export function bindQuerier(db: Executor): Querier {
  return {
    insertUser: (p) => insertUser(db, p),
    getUserByID: (p) => getUserByID(db, p),
    getExternalAuthLink: (p) => getExternalAuthLink(db, p),
    getExternalAuthLinksByUserID: (p) => getExternalAuthLinksByUserID(db, p),
    insertExternalAuthLink: (p) => insertExternalAuthLink(db, p),
    updateExternalAuthLink: (p) => updateExternalAuthLink(db, p),
    updateExternalAuthLinkTokens: (p) => updateExternalAuthLinkTokens(db, p),
    updateExternalAuthLinkRefreshToken: (p) => updateExternalAuthLinkRefreshToken(db, p),
    deleteExternalAuthLink: (p) => deleteExternalAuthLink(db, p),
    getUserLinkByUserIDLoginType: (p) => getUserLinkByUserIDLoginType(db, p),
    insertUserLink: (p) => insertUserLink(db, p),
    updateUserLink: (p) => updateUserLink(db, p),
    updateUserLinkTokens: (p) => updateUserLinkTokens(db, p),
    updateUserLinkRefreshToken: (p) => updateUserLinkRefreshToken(db, p),
    deleteUserLink: (p) => deleteUserLink(db, p),
    acquireRefreshLock: (p) => acquireRefreshLock(db, p),
  };
}

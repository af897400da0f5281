import { randomBytes, randomUUID } from 'node:crypto';

import type { Logger } from 'pino';

import { SYSTEM_ACTOR, asActor, openStore } from '@coder/database';
import type { Actor, Driver, ExternalAuthLink, OpenedStore, Store } from '@coder/database';

export const PAST = () => new Date(Date.now() - 60_000);
export const FUTURE = () => new Date(Date.now() + 3_600_000);

/** A fresh random encryption key (base64 of 32 bytes), one per test database. Never log it. */
export const randomEncryptionKey = (): string => randomBytes(32).toString('base64');

/**
 * The full Store stack (SQL, serializable retry, dbcrypt with `encryptionKey`,
 * dbauthz on, dbmetrics) over an open test database driver, as production runs it.
 */
export function openFullStack(driver: Driver, encryptionKey: string, logger: Logger): Promise<OpenedStore> {
  return openStore({ driver, encryptionKeys: encryptionKey, logger, authorize: true });
}

/** The actor of an ordinary user: what a build calls the refresher as. */
export const userActor = (userId: string): Actor => ({ id: userId, roles: ['member'] });

/** Runs `fn` as the user `userId` (a build asking for that user's token). */
export function asUser<T>(userId: string, fn: () => T): T {
  return asActor(userActor(userId), fn);
}

/** Runs `fn` as the system actor (seeding, reading back, writing as another replica would). */
export function asSystem<T>(fn: () => T): T {
  return asActor(SYSTEM_ACTOR, fn);
}

/** A user with a link to `providerId` holding these tokens, expired unless told otherwise. Seeded as the system. */
export function seedLink(
  store: Store,
  providerId: string,
  tokens: { accessToken: string; refreshToken: string },
  expiry: Date | null = PAST(),
): Promise<{ userId: string }> {
  return asSystem(async () => {
    const userId = randomUUID();
    await store.insertUser({ id: userId, username: `user-${userId.slice(0, 8)}`, name: '' });
    const now = new Date();
    await store.insertExternalAuthLink({
      providerId,
      userId,
      createdAt: now,
      updatedAt: now,
      oauthAccessToken: tokens.accessToken,
      oauthAccessTokenKeyId: null,
      oauthRefreshToken: tokens.refreshToken,
      oauthRefreshTokenKeyId: null,
      oauthExpiry: expiry,
      oauthExtra: null,
    });
    return { userId };
  });
}

/** The link as the stack returns it (decrypted), read as the system. */
export function readLink(store: Store, providerId: string, userId: string): Promise<ExternalAuthLink> {
  return asSystem(async () => {
    const link = await store.getExternalAuthLink({ providerId, userId });
    if (!link) throw new Error('link vanished');
    return link;
  });
}

/** The token columns as stored (no layer): what an attacker with the database would see. */
export async function rawTokenColumns(
  driver: Driver,
  table: 'external_auth_links' | 'user_links',
  where: { providerId?: string; userId: string },
): Promise<{ access: string; accessKeyId: string | null; refresh: string; refreshKeyId: string | null }> {
  const sql =
    table === 'external_auth_links'
      ? `SELECT oauth_access_token AS access, oauth_access_token_key_id AS "accessKeyId", oauth_refresh_token AS refresh, oauth_refresh_token_key_id AS "refreshKeyId"
           FROM external_auth_links WHERE provider_id = $1 AND user_id = $2`
      : `SELECT oauth_access_token AS access, oauth_access_token_key_id AS "accessKeyId", oauth_refresh_token AS refresh, oauth_refresh_token_key_id AS "refreshKeyId"
           FROM user_links WHERE login_type = $1 AND user_id = $2`;
  const { rows } = await driver.pool.query<{ access: string; accessKeyId: string | null; refresh: string; refreshKeyId: string | null }>(sql, [
    table === 'external_auth_links' ? where.providerId : 'oidc',
    where.userId,
  ]);
  if (!rows[0]) throw new Error(`no ${table} row for user ${where.userId}`);
  return rows[0];
}

/** Fast retries so failure tests take milliseconds. */
export const FAST_RETRY = { attempts: 5, baseDelayMs: 1, maxDelayMs: 5 };

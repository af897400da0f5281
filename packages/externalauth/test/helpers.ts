import { randomUUID } from 'node:crypto';

import type { ExternalAuthLink, Store } from '@coder/database';

export const PAST = () => new Date(Date.now() - 60_000);
export const FUTURE = () => new Date(Date.now() + 3_600_000);

/** A user with a link to `providerId` holding these tokens, expired unless told otherwise. */
export async function seedLink(
  store: Store,
  providerId: string,
  tokens: { accessToken: string; refreshToken: string },
  expiry: Date | null = PAST(),
): Promise<{ userId: string }> {
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
}

export async function readLink(store: Store, providerId: string, userId: string): Promise<ExternalAuthLink> {
  const link = await store.getExternalAuthLink({ providerId, userId });
  if (!link) throw new Error('link vanished');
  return link;
}

/** Fast retries so failure tests take milliseconds. */
export const FAST_RETRY = { attempts: 5, baseDelayMs: 1, maxDelayMs: 5 };

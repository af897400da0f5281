import type { Querier } from '@coder/database';
import type { RefreshedTokens } from './provider.js';

/** The token fields the refresh path reads, whichever table holds them. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  expiry: Date | null;
  failureReason: string;
}

/**
 * One stored link (an external auth link or the user's OIDC login link) seen
 * through the queries the refresh path needs. Both writes are optimistic: they
 * change nothing (0 rows) unless the row still holds `oldRefreshToken`.
 */
export interface TokenLink {
  /** For logs: never a token. */
  readonly label: { kind: 'external_auth_link' | 'user_link'; providerId: string; userId: string };
  /** The advisory lock that serialises refreshes of this link across replicas. */
  readonly lockKey: string;
  read(db: Querier): Promise<StoredTokens | null>;
  saveRefreshed(db: Querier, oldRefreshToken: string, tokens: RefreshedTokens): Promise<number>;
  giveUp(db: Querier, oldRefreshToken: string, reason: string): Promise<number>;
}

/**
 * The advisory lock key that serialises refreshes of one external auth link
 * (hashed by `acquireRefreshLock`). Exported for tools that must wait until no
 * refresh of a link is in its critical section (the refresh storm's stall fault).
 */
export function externalAuthLockKey(providerId: string, userId: string): string {
  return `external_auth_links:${providerId}:${userId}`;
}

/** The token columns both link tables share, as the refresh path sees them. */
function storedTokens(
  link: { oauthAccessToken: string; oauthRefreshToken: string; oauthExpiry: Date | null; oauthRefreshFailureReason: string } | null,
): StoredTokens | null {
  return link && {
    accessToken: link.oauthAccessToken,
    refreshToken: link.oauthRefreshToken,
    expiry: link.oauthExpiry,
    failureReason: link.oauthRefreshFailureReason,
  };
}

export function externalAuthLink(providerId: string, userId: string): TokenLink {
  const key = { providerId, userId };
  return {
    label: { kind: 'external_auth_link', providerId, userId },
    lockKey: externalAuthLockKey(providerId, userId),
    async read(db) {
      return storedTokens(await db.getExternalAuthLink(key));
    },
    saveRefreshed(db, oldRefreshToken, tokens) {
      return db.updateExternalAuthLinkTokens({
        ...key,
        updatedAt: new Date(),
        oauthAccessToken: tokens.accessToken,
        oauthAccessTokenKeyId: null,
        oauthRefreshToken: tokens.refreshToken,
        oauthRefreshTokenKeyId: null,
        oauthExpiry: tokens.expiry,
        oauthExtra: tokens.extra,
        oldOauthRefreshToken: oldRefreshToken,
      });
    },
    giveUp(db, oldRefreshToken, reason) {
      return db.updateExternalAuthLinkRefreshToken({
        ...key,
        updatedAt: new Date(),
        oauthRefreshToken: '',
        oauthRefreshTokenKeyId: null,
        oauthRefreshFailureReason: reason,
        oldOauthRefreshToken: oldRefreshToken,
      });
    },
  };
}

export const OIDC_LOGIN_TYPE = 'oidc';

export function userLoginLink(providerId: string, userId: string): TokenLink {
  const key = { userId, loginType: OIDC_LOGIN_TYPE };
  return {
    label: { kind: 'user_link', providerId, userId },
    lockKey: `user_links:${OIDC_LOGIN_TYPE}:${userId}`,
    async read(db) {
      return storedTokens(await db.getUserLinkByUserIDLoginType(key));
    },
    saveRefreshed(db, oldRefreshToken, tokens) {
      return db.updateUserLinkTokens({
        ...key,
        oauthAccessToken: tokens.accessToken,
        oauthAccessTokenKeyId: null,
        oauthRefreshToken: tokens.refreshToken,
        oauthRefreshTokenKeyId: null,
        oauthExpiry: tokens.expiry,
        oldOauthRefreshToken: oldRefreshToken,
      });
    },
    giveUp(db, oldRefreshToken, reason) {
      return db.updateUserLinkRefreshToken({
        ...key,
        oauthRefreshToken: '',
        oauthRefreshTokenKeyId: null,
        oauthRefreshFailureReason: reason,
        oldOauthRefreshToken: oldRefreshToken,
      });
    },
  };
}

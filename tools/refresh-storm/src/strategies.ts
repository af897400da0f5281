import type { Logger } from 'pino';

import type { Store } from '@coder/database';
import { InvalidTokenError, SingleFlight, TokenRefresher, createProviderClient, isExpired } from '@coder/externalauth';
import type { ProviderClient, ProviderConfig, RefreshedTokens, TokenRefresherOptions } from '@coder/externalauth';

/** How a replica gets a build its token: the three designs the storm compares. */
export type Mode = 'naive' | 'singleflight' | 'protected';
export const MODES: readonly Mode[] = ['naive', 'singleflight', 'protected'];

export interface TokenSource {
  obtain(providerId: string, userId: string): Promise<string>;
}

/** Settings of the protected refresher (timeouts, retries, fault hook); the others ignore them. */
export type RefresherTuning = Pick<TokenRefresherOptions, 'lockTimeoutMs' | 'providerTimeoutMs' | 'retry' | 'hook'>;

/** One replica's token source in `mode`. Each call makes a new, independent replica. */
export function createTokenSource(mode: Mode, store: Store, provider: ProviderConfig, logger: Logger, tuning: RefresherTuning = {}): TokenSource {
  if (mode === 'protected') {
    const refresher = new TokenRefresher(store, { providers: [provider], logger, ...tuning });
    return { obtain: (providerId, userId) => refresher.obtainAccessToken(providerId, userId) };
  }
  const client = createProviderClient(provider);
  return mode === 'naive' ? naive(store, client) : singleFlight(store, client);
}

/**
 * What many codebases do: read, refresh if expired, write unconditionally; on
 * a rejected refresh, clear the stored refresh token. A loser of the race thus
 * wipes the winner's fresh token, and its reuse of the spent token makes a
 * strict provider revoke the whole family.
 */
function naive(store: Store, client: ProviderClient): TokenSource {
  return {
    async obtain(providerId, userId) {
      const link = await store.getExternalAuthLink({ providerId, userId });
      if (!link || !link.oauthRefreshToken) throw new InvalidTokenError('OAUTH_REFRESH_TOKEN_MISSING', providerId, 'no usable link');
      if (!isExpired({ expiry: link.oauthExpiry }, 0)) return link.oauthAccessToken;
      const answer = await client.refresh(link.oauthRefreshToken, AbortSignal.timeout(10_000));
      if (answer.kind === 'refreshed') {
        await store.updateExternalAuthLink(update(providerId, userId, answer.tokens));
        return answer.tokens.accessToken;
      }
      if (answer.kind === 'rejected') {
        // Unconditional: if another caller stored a fresh pair meanwhile, it is wiped.
        await store.updateExternalAuthLink({
          ...update(providerId, userId, { accessToken: link.oauthAccessToken, refreshToken: '', expiry: link.oauthExpiry, extra: {} }),
        });
        throw new InvalidTokenError('OAUTH_REFRESH_REJECTED', providerId, answer.reason);
      }
      throw new Error(`refresh failed: ${answer.reason}`);
    },
  };
}

/**
 * The common "fixed" design: in-process single flight plus optimistic writes.
 * Safe within one process, but replicas still exchange the same refresh token
 * at once; a strict provider then revokes the family.
 */
function singleFlight(store: Store, client: ProviderClient): TokenSource {
  const flights = new SingleFlight<string>();
  return {
    async obtain(providerId, userId) {
      const link = await store.getExternalAuthLink({ providerId, userId });
      if (!link || !link.oauthRefreshToken) throw new InvalidTokenError('OAUTH_REFRESH_TOKEN_MISSING', providerId, 'no usable link');
      if (!isExpired({ expiry: link.oauthExpiry }, 0)) return link.oauthAccessToken;
      return flights.do(`${providerId}:${userId}`, async () => {
        const answer = await client.refresh(link.oauthRefreshToken, AbortSignal.timeout(10_000));
        if (answer.kind === 'refreshed') {
          await store.updateExternalAuthLinkTokens({ ...update(providerId, userId, answer.tokens), oldOauthRefreshToken: link.oauthRefreshToken });
          return answer.tokens.accessToken;
        }
        if (answer.kind === 'rejected') {
          const rows = await store.updateExternalAuthLinkRefreshToken({
            providerId, userId, updatedAt: new Date(), oauthRefreshToken: '', oauthRefreshTokenKeyId: null,
            oauthRefreshFailureReason: answer.reason, oldOauthRefreshToken: link.oauthRefreshToken,
          });
          if (rows === 0) {
            // Another replica won the race: use its token.
            const current = await store.getExternalAuthLink({ providerId, userId });
            if (current?.oauthAccessToken) return current.oauthAccessToken;
          }
          throw new InvalidTokenError('OAUTH_REFRESH_REJECTED', providerId, answer.reason);
        }
        throw new Error(`refresh failed: ${answer.reason}`);
      });
    },
  };
}

function update(providerId: string, userId: string, tokens: RefreshedTokens) {
  return {
    providerId,
    userId,
    updatedAt: new Date(),
    oauthAccessToken: tokens.accessToken,
    oauthAccessTokenKeyId: null,
    oauthRefreshToken: tokens.refreshToken,
    oauthRefreshTokenKeyId: null,
    oauthExpiry: tokens.expiry,
    oauthExtra: tokens.extra,
  };
}

/**
 * Codes of the errors this package throws. The `InvalidTokenError` codes mean
 * "the user must sign in again"; every other code is an infrastructure problem.
 */
export type InvalidTokenCode =
  /** No link for this user and provider. */
  | 'OAUTH_LINK_MISSING'
  /** The provider rejected the refresh token (it was cleared, with the reason recorded). */
  | 'OAUTH_REFRESH_REJECTED'
  /** The access token expired and there is no refresh token to renew it. */
  | 'OAUTH_REFRESH_TOKEN_MISSING'
  /** The provider's validation endpoint rejected the (refreshed) access token. */
  | 'OAUTH_TOKEN_INVALID';

export type ExternalAuthErrorCode =
  | InvalidTokenCode
  | 'OAUTH_CONFIG_INVALID'
  | 'OAUTH_PROVIDER_UNKNOWN'
  | 'OAUTH_DISCOVERY_FAILED'
  /** The provider kept failing transiently (5xx, 429, 403 rate limit, network, timeout) through every retry. */
  | 'OAUTH_PROVIDER_UNAVAILABLE'
  /** The provider answered with an error that is not about the token (invalid_client, invalid_request, ...). */
  | 'OAUTH_PROVIDER_ERROR'
  /** Another replica held the refresh lock longer than the lock timeout, through every retry. */
  | 'OAUTH_LOCK_TIMEOUT'
  /** The provider refreshed the token but it could not be stored (the database kept failing). */
  | 'OAUTH_STORE_FAILED'
  /** The database kept failing transiently (statement timeout, lost connection) through every retry. */
  | 'OAUTH_DATABASE_UNAVAILABLE'
  | 'OAUTH_ABORTED';

/**
 * An infrastructure error: the build should fail. `cause` keeps the original
 * (oauth4webapi's `ResponseBodyError`, a network error, a database error).
 */
export class ExternalAuthError extends Error {
  override name = 'ExternalAuthError';
  readonly code: ExternalAuthErrorCode;

  constructor(code: ExternalAuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The user must re-authenticate with this provider; a build skips the provider
 * instead of failing.
 *
 * @example
 * try { token = await refresher.obtainAccessToken('github', userId) }
 * catch (e) { if (e instanceof InvalidTokenError) askUserToSignIn(e.providerId); else throw e; }
 */
export class InvalidTokenError extends ExternalAuthError {
  override name = 'InvalidTokenError';
  declare readonly code: InvalidTokenCode;
  readonly providerId: string;

  constructor(code: InvalidTokenCode, providerId: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.providerId = providerId;
  }
}

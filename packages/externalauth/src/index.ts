export { ExternalAuthError, InvalidTokenError } from './errors.js';
export type { ExternalAuthErrorCode, InvalidTokenCode } from './errors.js';
export { GITHUB_TOKEN_URL, GITHUB_VALIDATE_URL, createProviderClient, validateProviderConfig } from './provider.js';
export type { ProviderClient, ProviderConfig, ProviderType, RefreshOutcome, RefreshedTokens } from './provider.js';
export { DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_PROVIDER_TIMEOUT_MS, DEFAULT_RETRY, isExpired } from './refresh.js';
export type { RetryPolicy } from './refresh.js';
export { DEFAULT_EXPIRY_SKEW_MS, DEFAULT_LOGIN_REFRESH_BEFORE_MS, TokenRefresher } from './refresher.js';
export type { ObtainOptions, TokenRefresherOptions } from './refresher.js';
export { SingleFlight } from './single-flight.js';

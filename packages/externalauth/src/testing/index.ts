// Real providers on 127.0.0.1 and log capture, for tests and the refresh storm.
export { startGitHubProvider } from './github-provider.js';
export type { GitHubProviderStats, TestGitHubProvider } from './github-provider.js';
export { captureLogs } from './log-capture.js';
export { startOidcProvider } from './oidc-provider.js';
export type { OidcProviderStats, TestOidcProvider, TestOidcProviderOptions, TokenEndpointFault } from './oidc-provider.js';

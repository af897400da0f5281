import type { ProviderConfig } from '@coder/externalauth';
import { startGitHubProvider, startOidcProvider } from '@coder/externalauth/testing';

export type ProviderKind = 'oidc' | 'github';
export const PROVIDER_KINDS: readonly ProviderKind[] = ['oidc', 'github'];

/** The storm's view of a provider running on 127.0.0.1. */
export interface StormProvider {
  readonly config: ProviderConfig;
  mintTokens(account: string): Promise<{ accessToken: string; refreshToken: string }>;
  refreshCalls(): number;
  familiesRevoked(): number;
  isRefreshTokenAlive(token: string): Promise<boolean>;
  isAccessTokenAlive(token: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function startProvider(kind: ProviderKind): Promise<StormProvider> {
  if (kind === 'oidc') {
    const op = await startOidcProvider();
    return {
      config: op.providerConfig('oidc'),
      mintTokens: (account) => op.mintTokens(account),
      refreshCalls: () => op.stats.refreshCalls,
      familiesRevoked: () => op.stats.familiesRevoked,
      isRefreshTokenAlive: (token) => op.isRefreshTokenAlive(token),
      isAccessTokenAlive: (token) => op.isAccessTokenAlive(token),
      close: () => op.close(),
    };
  }
  const gh = await startGitHubProvider();
  return {
    config: gh.providerConfig('github'),
    mintTokens: async (account) => gh.mintTokens(account),
    refreshCalls: () => gh.stats.refreshCalls,
    // GitHub does not revoke token families; its failure is the wiped link.
    familiesRevoked: () => 0,
    isRefreshTokenAlive: async (token) => gh.isRefreshTokenAlive(token),
    isAccessTokenAlive: async (token) => gh.isAccessTokenAlive(token),
    close: () => gh.close(),
  };
}

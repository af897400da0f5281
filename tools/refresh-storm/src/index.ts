export { DEFAULT_STORM, protectedHeld, runStorm } from './storm.js';
export type { ModeResult, StormOptions, StormReport } from './storm.js';
export { MODES, createTokenSource } from './strategies.js';
export type { Mode, TokenSource } from './strategies.js';
export { PROVIDER_KINDS } from './providers.js';
export type { ProviderKind } from './providers.js';

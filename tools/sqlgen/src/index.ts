export { DEFAULT_CONFIG, check, generate, writeGenerated } from './generate.js';
export type { CheckResult, GenerateResult, SqlgenConfig } from './generate.js';
export { GENERATED_HEADER, emitModule } from './emit.js';
export { SqlgenError } from './errors.js';
export type { SqlLocation, SqlgenErrorCode, SqlgenProblem } from './errors.js';
export { parseQueryFile } from './parse.js';
export type { ParsedParam, ParsedQuery, QueryCommand } from './parse.js';

export { CodemodError } from './errors.js';
export type { CodemodErrorCode } from './errors.js';
export { DEFAULT_EXTENSIONS, DEFAULT_IGNORES, findFiles } from './files.js';
export { parseModule } from './parse.js';
export type { FileResult } from './process-file.js';
export { DEFAULT_JOBS, FILES_PER_WORKER, defaultJobs, runImportGroups } from './run.js';
export type { RunOptions, RunResult, RunSummary } from './run.js';
export { importGroupsOptionsFrom, transformImportGroups } from './transforms/import-groups.js';
export type { TransformResult, TransformStatus } from './transforms/import-groups.js';

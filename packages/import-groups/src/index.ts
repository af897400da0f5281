export { NODE_BUILTIN_MODULES, NODE_BUILTINS_VERSION, NODE_PREFIX_ONLY_MODULES, isNodeBuiltin } from './builtins.js';
export { LINE_DIRECTIVE, findChunks, movableSpecifier } from './chunks.js';
export type { Chunk, ChunkItem } from './chunks.js';
export { classify, createClassifier } from './classify.js';
export type { Classifier, ClassifyContext, ClassifyOptions } from './classify.js';
export { ImportGroupsError } from './errors.js';
export type { ImportGroupsErrorCode } from './errors.js';
export { compareSpecifiers } from './layout.js';
export type { ProgramLike, StatementLike } from './nodes.js';
export {
  DEFAULT_BUILTIN,
  DEFAULT_INTERNAL,
  DEFAULT_SORT,
  IMPORT_GROUP_LABELS,
  IMPORT_GROUP_ORDER,
  validateOptions,
} from './options.js';
export type { ImportGroup, ImportGroupsOptions, SortOrder } from './options.js';
export { applyEdits, fixImportGroups, planImportGroups } from './plan.js';
export type { ChunkPlan, Edit, ImportRef, Plan, PlanOptions, Problem, ProblemKind } from './plan.js';
export { clearTsconfigCache, readTsconfigPaths } from './tsconfig-paths.js';
export type { TsconfigOption } from './tsconfig-paths.js';
export type { Comment } from './trivia.js';

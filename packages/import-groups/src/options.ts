import { ImportGroupsError } from './errors.js';

/** The three groups, in the order they appear in a file. */
export type ImportGroup = 'builtin' | 'external' | 'internal';

/** Group order: the runtime's standard library, third-party packages, own code. */
export const IMPORT_GROUP_ORDER: readonly ImportGroup[] = Object.freeze(['builtin', 'external', 'internal']);

/** How groups are named in messages. */
export const IMPORT_GROUP_LABELS: Readonly<Record<ImportGroup, string>> = Object.freeze({
  builtin: 'built-in',
  external: 'third-party',
  internal: 'own code',
});

/** Order inside a group. */
export type SortOrder = 'none' | 'alphabetical';

/** Options shared by the ESLint rule and the codemod. */
export interface ImportGroupsOptions {
  /** Specifier prefixes of own code. Default {@link DEFAULT_INTERNAL}. */
  readonly internal?: readonly string[] | undefined;
  /**
   * The tsconfig whose `paths` patterns mark own code: a path (relative to the
   * working directory), `false` for none. Default: the nearest `tsconfig.json`
   * above the file.
   */
  readonly tsconfig?: string | false | undefined;
  /** Extra built-ins besides Node's, exact or with one `*` (`bun`, `bun:*`). Default none. */
  readonly builtin?: readonly string[] | undefined;
  /** Order inside a group. Default {@link DEFAULT_SORT}: keep the original order. */
  readonly sort?: SortOrder | undefined;
}

/** Default own-code prefixes. */
export const DEFAULT_INTERNAL: readonly string[] = Object.freeze(['@coder/']);
/** Default extra built-ins. */
export const DEFAULT_BUILTIN: readonly string[] = Object.freeze([]);
/** Default order inside a group. */
export const DEFAULT_SORT: SortOrder = 'none';

const KNOWN_KEYS = new Set(['internal', 'tsconfig', 'builtin', 'sort']);

/**
 * Checks options at the boundary and fills in defaults (except `tsconfig`,
 * whose default depends on the file).
 *
 * @throws {ImportGroupsError} `IMPORT_GROUPS_INVALID_OPTIONS`
 * @example
 * validateOptions({ sort: 'alphabetical' });
 * // { internal: ['@coder/'], builtin: [], sort: 'alphabetical', tsconfig: undefined }
 */
export function validateOptions(options: ImportGroupsOptions | undefined): {
  internal: readonly string[];
  builtin: readonly string[];
  sort: SortOrder;
  tsconfig: string | false | undefined;
} {
  const given = options ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw invalid('options must be an object');
  }
  for (const key of Object.keys(given)) {
    if (!KNOWN_KEYS.has(key)) throw invalid(`unknown option "${key}"`);
  }
  const internal = given.internal ?? DEFAULT_INTERNAL;
  const builtin = given.builtin ?? DEFAULT_BUILTIN;
  const sort = given.sort ?? DEFAULT_SORT;
  const tsconfig = given.tsconfig;
  if (!isStringArray(internal)) throw invalid('"internal" must be an array of non-empty strings');
  if (!isStringArray(builtin)) throw invalid('"builtin" must be an array of non-empty strings');
  if (sort !== 'none' && sort !== 'alphabetical') {
    throw invalid('"sort" must be "none" or "alphabetical"');
  }
  if (tsconfig !== undefined && tsconfig !== false && (typeof tsconfig !== 'string' || tsconfig === '')) {
    throw invalid('"tsconfig" must be a path or false');
  }
  return { internal, builtin, sort, tsconfig };
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');
}

function invalid(message: string): ImportGroupsError {
  return new ImportGroupsError('IMPORT_GROUPS_INVALID_OPTIONS', `Invalid import-groups options: ${message}`);
}

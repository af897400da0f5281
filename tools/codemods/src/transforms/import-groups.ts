import path from 'node:path';

import type { API, FileInfo, Options } from 'jscodeshift';

import { fixImportGroups } from '@coder/import-groups';
import type { ImportGroupsOptions, SortOrder } from '@coder/import-groups';
import { CodemodError } from '../errors.js';
import { parseModule } from '../parse.js';

/** What happened to one file. */
export type TransformStatus = 'changed' | 'unchanged' | 'skipped';

/** Result of {@link transformImportGroups}. */
export interface TransformResult {
  readonly status: TransformStatus;
  /** The new text; the original text, untouched, unless `status` is `'changed'`. */
  readonly output: string;
}

/**
 * Lays out the import groups of one file by splicing text (never reprinting
 * through recast): the same engine, statements and ranges as the ESLint rule,
 * so the output equals the rule's fix. A file without the word `import` is
 * skipped without parsing.
 *
 * @throws {CodemodError} `CODEMOD_PARSE_FAILED` when the file does not parse
 * @example
 * transformImportGroups("import a from './a';\nimport fs from 'fs';\n", '/repo/src/x.ts', { tsconfig: false });
 * // { status: 'changed', output: "import fs from 'fs';\n\nimport a from './a';\n" }
 */
export function transformImportGroups(
  source: string,
  filename: string,
  options?: ImportGroupsOptions & { cwd?: string },
): TransformResult {
  if (!source.includes('import')) return { status: 'skipped', output: source };
  // ESLint hands rules the text without its BOM; do the same, and put it back.
  const bom = source.charCodeAt(0) === 0xfeff ? '\uFEFF' : '';
  const text = bom ? source.slice(1) : source;
  const program = parseModule(text, filename);
  const fixed = fixImportGroups(text, program, { ...options, filename: path.resolve(options?.cwd ?? '', filename) });
  return fixed === text ? { status: 'unchanged', output: source } : { status: 'changed', output: bom + fixed };
}

/**
 * Reads the codemod's options from jscodeshift's command-line options
 * (`--internal=@coder/,@acme/ --tsconfig=false --builtin=bun,bun:* --sort=alphabetical`).
 *
 * @example
 * importGroupsOptionsFrom({ internal: '@acme/', tsconfig: 'false' }); // { internal: ['@acme/'], tsconfig: false }
 */
export function importGroupsOptionsFrom(options: Options): ImportGroupsOptions {
  const result: { -readonly [K in keyof ImportGroupsOptions]: ImportGroupsOptions[K] } = {};
  const list = (value: unknown): string[] | undefined => {
    if (value === undefined) return undefined;
    const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
    return items.map((item) => item.trim()).filter((item) => item !== '');
  };
  const internal = list(options['internal']);
  if (internal) result.internal = internal;
  const builtin = list(options['builtin']);
  if (builtin) result.builtin = builtin;
  const tsconfig: unknown = options['tsconfig'];
  if (tsconfig === false || tsconfig === 'false') result.tsconfig = false;
  else if (typeof tsconfig === 'string' && tsconfig !== '') result.tsconfig = tsconfig;
  const sort: unknown = options['sort'];
  if (sort !== undefined) {
    if (sort !== 'none' && sort !== 'alphabetical') {
      throw new CodemodError('CODEMOD_BAD_ARGUMENTS', `--sort must be "none" or "alphabetical", not "${String(sort)}"`);
    }
    result.sort = sort as SortOrder;
  }
  return result;
}

/**
 * The jscodeshift transform: `jscodeshift -t dist/transforms/import-groups.js --parser=tsx src`.
 * Returns the source untouched when nothing changes.
 */
export default function transform(file: FileInfo, _api: API, options: Options): string {
  return transformImportGroups(file.source, file.path, importGroupsOptionsFrom(options)).output;
}

/** jscodeshift's parser for this transform; the transform parses on its own (see parseModule). */
export const parser = 'tsx';

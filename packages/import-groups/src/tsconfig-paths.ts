import path from 'node:path';

import { findTsconfig, parseTsconfig } from 'get-tsconfig';

import { ImportGroupsError } from './errors.js';

/**
 * Which tsconfig's `paths` mark own code: a path to a tsconfig file, `false`
 * for none, or `undefined` for the nearest `tsconfig.json` above the file.
 */
export type TsconfigOption = string | false | undefined;

// Each tsconfig is read once per process: lint runs and codemod workers see
// thousands of files that share a handful of tsconfigs.
const patternsByTsconfig = new Map<string, readonly string[]>();
const tsconfigByDirectory = new Map<string, string | undefined>();
const fsCache = new Map<string, unknown>();

/**
 * The `compilerOptions.paths` patterns (`"@/*"`, `"~/*"`, `"config"`) that
 * apply to `filename`, following `extends`. They are matched as text: no
 * import is ever resolved on the file system. The catch-all pattern `"*"` is
 * left out, since it would make every package own code.
 *
 * @example
 * readTsconfigPaths(undefined, { filename: '/repo/src/app.ts' }); // ['@/*']
 * readTsconfigPaths('tsconfig.base.json', { cwd: '/repo' });
 * readTsconfigPaths(false); // []
 */
export function readTsconfigPaths(
  tsconfig: TsconfigOption,
  options?: { filename?: string | undefined; cwd?: string | undefined },
): readonly string[] {
  if (tsconfig === false) return [];
  const cwd = options?.cwd ?? process.cwd();
  let file: string | undefined;
  if (typeof tsconfig === 'string') {
    file = path.resolve(cwd, tsconfig);
  } else {
    const filename = options?.filename;
    const directory =
      filename !== undefined && path.isAbsolute(filename) ? path.dirname(filename) : cwd;
    file = nearestTsconfig(directory);
    if (file === undefined) return [];
  }
  const cached = patternsByTsconfig.get(file);
  if (cached) return cached;
  let patterns: readonly string[];
  try {
    const config = parseTsconfig(file, fsCache as never);
    patterns = Object.freeze(
      Object.keys(config.compilerOptions?.paths ?? {}).filter((pattern) => pattern !== '*'),
    );
  } catch (error) {
    throw new ImportGroupsError(
      'IMPORT_GROUPS_TSCONFIG_UNREADABLE',
      `Cannot read the tsconfig ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  patternsByTsconfig.set(file, patterns);
  return patterns;
}

function nearestTsconfig(directory: string): string | undefined {
  if (tsconfigByDirectory.has(directory)) return tsconfigByDirectory.get(directory);
  const found = findTsconfig(directory, 'tsconfig.json', fsCache as never);
  tsconfigByDirectory.set(directory, found);
  return found;
}

/**
 * Forgets every tsconfig read so far (for long-lived processes such as an
 * editor's ESLint server after a tsconfig changed, and for tests).
 *
 * @example
 * clearTsconfigCache();
 */
export function clearTsconfigCache(): void {
  patternsByTsconfig.clear();
  tsconfigByDirectory.clear();
  fsCache.clear();
}

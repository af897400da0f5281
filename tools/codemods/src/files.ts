import { statSync } from 'node:fs';
import path from 'node:path';

import { globby } from 'globby';

import { CodemodError } from './errors.js';

/** File extensions the codemod reads by default. */
export const DEFAULT_EXTENSIONS: readonly string[] = Object.freeze(['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs']);

/** Folders never walked into: dependencies and build output. */
export const DEFAULT_IGNORES: readonly string[] = Object.freeze([
  '**/node_modules/**',
  '**/dist/**',
  '**/build/**',
  '**/out/**',
  '**/coverage/**',
  '**/.turbo/**',
  '**/.next/**',
  '**/.git/**',
]);

/**
 * The files a run covers: named files as they are, directories walked with
 * `.gitignore` honoured and dependencies and build output skipped. Sorted,
 * without duplicates, absolute.
 *
 * @throws {CodemodError} `CODEMOD_BAD_ARGUMENTS` when a path does not exist
 * @example
 * await findFiles(['src', 'scripts/build.ts'], { extensions: ['ts'] });
 */
export async function findFiles(
  paths: readonly string[],
  options?: { extensions?: readonly string[]; cwd?: string },
): Promise<string[]> {
  const cwd = path.resolve(options?.cwd ?? process.cwd());
  const extensions = options?.extensions ?? DEFAULT_EXTENSIONS;
  const found = new Set<string>();
  for (const given of paths.length > 0 ? paths : ['.']) {
    const absolute = path.resolve(cwd, given);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(absolute).isDirectory();
    } catch (error) {
      throw new CodemodError('CODEMOD_BAD_ARGUMENTS', `No such file or directory: ${given}`, { cause: error });
    }
    if (!isDirectory) {
      found.add(absolute);
      continue;
    }
    // globby reads .gitignore files at and below its cwd: walk from the
    // working directory when the folder is inside it, so a root .gitignore counts.
    const inside = absolute === cwd || absolute.startsWith(cwd + path.sep);
    const base = inside ? cwd : absolute;
    const relative = path.relative(base, absolute).split(path.sep).join('/');
    const pattern = `${relative === '' ? '' : `${relative}/`}**/*.${extensions.length === 1 ? extensions[0] : `{${extensions.join(',')}}`}`;
    const files = await globby(pattern, {
      cwd: base,
      gitignore: true,
      ignore: [...DEFAULT_IGNORES],
      absolute: true,
      dot: false,
      followSymbolicLinks: false,
    });
    for (const file of files) found.add(path.normalize(file));
  }
  return [...found].sort();
}

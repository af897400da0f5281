import { isNodeBuiltin } from './builtins.js';
import { validateOptions } from './options.js';
import type { ImportGroup, ImportGroupsOptions } from './options.js';
import { readTsconfigPaths } from './tsconfig-paths.js';

/** Where a classifier runs: the file being laid out and the working directory. */
export interface ClassifyContext {
  /** Absolute path of the file; the default tsconfig is the nearest one above it. */
  readonly filename?: string | undefined;
  /** Base for a relative `tsconfig` option. Default `process.cwd()`. */
  readonly cwd?: string | undefined;
}

/** Options of {@link classify}: the shared options, plus `paths` to bypass tsconfig reading. */
export interface ClassifyOptions extends ImportGroupsOptions, ClassifyContext {
  /** tsconfig `paths` patterns to use instead of reading `tsconfig`. */
  readonly paths?: readonly string[] | undefined;
}

/** A compiled classifier: specifier in, group out. */
export type Classifier = (specifier: string) => ImportGroup;

/**
 * Compiles the options into a classifier. Decision order:
 * 1. any `node:` specifier → `builtin`;
 * 2. relative (`./`, `../`, `.`, `..`), absolute (`/`) and `#` subpath imports → `internal`;
 * 3. an exact name from the static Node list, or an extra built-in (`bun`, `bun:*`) → `builtin`;
 * 4. a configured prefix (`@coder/`) → `internal`;
 * 5. a tsconfig `paths` pattern (`@/*`, `~/*`), matched as text → `internal`;
 * 6. everything else → `external`.
 *
 * @example
 * const classify = createClassifier({ builtin: ['bun', 'bun:*'] }, { filename: '/repo/src/a.ts' });
 * classify('bun:sqlite'); // 'builtin'
 * classify('react'); // 'external'
 */
export function createClassifier(options?: ClassifyOptions, context?: ClassifyContext): Classifier {
  const { internal, builtin, tsconfig } = validateOptions({
    internal: options?.internal,
    builtin: options?.builtin,
    sort: options?.sort,
    tsconfig: options?.tsconfig,
  });
  const paths =
    options?.paths ??
    readTsconfigPaths(tsconfig, {
      filename: context?.filename ?? options?.filename,
      cwd: context?.cwd ?? options?.cwd,
    });
  const isExtraBuiltin = compilePatterns(builtin);
  const isTsconfigPath = compilePatterns(paths);
  const prefixes = [...internal];
  return (specifier) => {
    if (specifier.startsWith('node:')) return 'builtin';
    if (isLocal(specifier)) return 'internal';
    if (isNodeBuiltin(specifier) || isExtraBuiltin(specifier)) return 'builtin';
    for (const prefix of prefixes) if (specifier.startsWith(prefix)) return 'internal';
    if (isTsconfigPath(specifier)) return 'internal';
    return 'external';
  };
}

/**
 * The group of one import specifier.
 *
 * @example
 * classify('node:fs'); // 'builtin'
 * classify('util/format-date'); // 'external'
 * classify('@coder/ui'); // 'internal'
 * classify('@/lib/db', { paths: ['@/*'] }); // 'internal'
 */
export function classify(specifier: string, options?: ClassifyOptions): ImportGroup {
  return createClassifier(options)(specifier);
}

function isLocal(specifier: string): boolean {
  const first = specifier.charCodeAt(0);
  if (first === 0x23 /* # */ || first === 0x2f /* / */) return true;
  if (first !== 0x2e /* . */) return false;
  return (
    specifier === '.' ||
    specifier === '..' ||
    specifier.startsWith('./') ||
    specifier.startsWith('../')
  );
}

/** Exact names, or patterns with one `*` matched as prefix + suffix (tsconfig `paths` semantics). */
function compilePatterns(patterns: readonly string[]): (specifier: string) => boolean {
  if (patterns.length === 0) return () => false;
  const exact = new Set<string>();
  const wildcards: Array<{ prefix: string; suffix: string }> = [];
  for (const pattern of patterns) {
    const star = pattern.indexOf('*');
    if (star === -1) exact.add(pattern);
    else wildcards.push({ prefix: pattern.slice(0, star), suffix: pattern.slice(star + 1) });
  }
  return (specifier) => {
    if (exact.has(specifier)) return true;
    for (const { prefix, suffix } of wildcards) {
      if (
        specifier.length >= prefix.length + suffix.length &&
        specifier.startsWith(prefix) &&
        specifier.endsWith(suffix)
      ) {
        return true;
      }
    }
    return false;
  };
}

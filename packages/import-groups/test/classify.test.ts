import { builtinModules } from 'node:module';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  ImportGroupsError,
  NODE_BUILTIN_MODULES,
  NODE_PREFIX_ONLY_MODULES,
  classify,
  clearTsconfigCache,
  createClassifier,
  readTsconfigPaths,
  validateOptions,
} from '../src/index.js';
import type { ClassifyOptions, ImportGroup } from '../src/index.js';
import { FIXTURES, PATHS_TSCONFIG } from './cases.js';

const none: ClassifyOptions = { tsconfig: false };

const table: ReadonlyArray<[string, ImportGroup, ClassifyOptions?]> = [
  ['node:fs', 'builtin'],
  ['node:test', 'builtin'],
  ['node:sqlite', 'builtin'],
  ['node:sea', 'builtin'],
  ['node:test/reporters', 'builtin'],
  ['node:anything-new', 'builtin'],
  ['fs', 'builtin'],
  ['fs/promises', 'builtin'],
  ['path/posix', 'builtin'],
  ['stream/web', 'builtin'],
  ['util/types', 'builtin'],
  ['assert/strict', 'builtin'],
  ['dns/promises', 'builtin'],
  ['timers/promises', 'builtin'],
  ['_http_agent', 'builtin'],
  ['test', 'external'],
  ['sqlite', 'external'],
  ['sea', 'external'],
  ['util/format-date', 'external'],
  ['fs/extra', 'external'],
  ['punycode/', 'external'],
  ['fs-extra', 'external'],
  ['react', 'external'],
  ['@types/node', 'external'],
  ['@coder/ui', 'internal'],
  ['@coderx/ui', 'external'],
  ['./a.js', 'internal'],
  ['../a.js', 'internal'],
  ['.', 'internal'],
  ['..', 'internal'],
  ['.hidden-package', 'external'],
  ['/abs/a.js', 'internal'],
  ['#env', 'internal'],
  ['bun', 'external'],
  ['bun', 'builtin', { builtin: ['bun', 'bun:*'] }],
  ['bun:sqlite', 'builtin', { builtin: ['bun', 'bun:*'] }],
  ['bunx', 'external', { builtin: ['bun', 'bun:*'] }],
  ['@acme/x', 'internal', { internal: ['@acme/'] }],
  ['@coder/ui', 'external', { internal: ['@acme/'] }],
  ['@/lib/db', 'internal', { tsconfig: PATHS_TSCONFIG }],
  ['~/ui', 'internal', { tsconfig: PATHS_TSCONFIG }],
  ['config', 'internal', { tsconfig: PATHS_TSCONFIG }],
  ['config/extra', 'external', { tsconfig: PATHS_TSCONFIG }],
  ['anything', 'external', { tsconfig: PATHS_TSCONFIG }],
  ['@/lib/db', 'internal', { paths: ['@/*'] }],
  ['@/lib/db', 'external'],
];

describe('classify', () => {
  for (const [specifier, group, options] of table) {
    it(`${specifier} → ${group}${options ? ` with ${JSON.stringify(options)}` : ''}`, () => {
      expect(classify(specifier, { ...none, ...options })).toBe(group);
    });
  }

  it('finds the nearest tsconfig.json above the file, following extends', () => {
    const filename = path.join(FIXTURES, 'app/src/file.ts');
    expect(classify('@/lib/db', { filename })).toBe('internal');
    expect(classify('react', { filename })).toBe('external');
  });

  it('reads each tsconfig once and caches it', () => {
    clearTsconfigCache();
    const first = readTsconfigPaths(PATHS_TSCONFIG);
    expect(first).toEqual(['@/*', '~/*', 'config']);
    expect(readTsconfigPaths(PATHS_TSCONFIG)).toBe(first);
    const filename = path.join(FIXTURES, 'app/src/file.ts');
    expect(readTsconfigPaths(undefined, { filename })).toBe(readTsconfigPaths(undefined, { filename }));
    expect(readTsconfigPaths(false)).toEqual([]);
  });

  it('fails with a coded error on an unreadable tsconfig', () => {
    expect(() => readTsconfigPaths(path.join(FIXTURES, 'missing.json'))).toThrow(
      expect.objectContaining({ code: 'IMPORT_GROUPS_TSCONFIG_UNREADABLE' }),
    );
  });

  const invalid: ReadonlyArray<[string, unknown]> = [
    ['sort', { sort: 'random' }],
    ['internal', { internal: 'not-an-array' }],
    ['builtin', { builtin: [''] }],
    ['tsconfig', { tsconfig: 3 }],
    ['unknown key', { grouping: 'yes' }],
  ];
  for (const [name, options] of invalid) {
    it(`rejects a bad ${name} option with IMPORT_GROUPS_INVALID_OPTIONS`, () => {
      let caught: unknown;
      try {
        createClassifier(options as ClassifyOptions);
        validateOptions(options as ClassifyOptions);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ImportGroupsError);
      expect((caught as ImportGroupsError).code).toBe('IMPORT_GROUPS_INVALID_OPTIONS');
    });
  }
});

describe('the static list of Node built-ins', () => {
  it("is a superset of the running Node's list", () => {
    const known = new Set([...NODE_BUILTIN_MODULES, ...NODE_PREFIX_ONLY_MODULES]);
    const missing = builtinModules.filter((name) => !known.has(name) && !name.startsWith('node:'));
    expect(missing).toEqual([]);
  });

  it('names prefix-only modules only with their prefix', () => {
    for (const name of NODE_PREFIX_ONLY_MODULES) {
      expect(name.startsWith('node:')).toBe(true);
      expect(NODE_BUILTIN_MODULES).not.toContain(name.slice('node:'.length));
    }
  });
});

import { describe, expect, it } from 'vitest';

import { IMPORT_GROUPS_CASES, show } from '@coder/import-groups/test-cases';
import { CodemodError } from '../src/errors.js';
import { importGroupsOptionsFrom, transformImportGroups } from '../src/transforms/import-groups.js';
import { caseOptions, fixOnceWithRule, runTransform } from './helpers.js';

// The table that drives the RuleTester run, through the codemod.
describe('import-groups transform: the shared case table', () => {
  for (const testCase of IMPORT_GROUPS_CASES) {
    it(testCase.name, () => {
      const filename = testCase.filename ?? 'file.ts';
      const options = caseOptions(testCase);
      const output = runTransform(testCase.code, options as never, filename);
      expect(show(output)).toBe(show(testCase.output ?? testCase.code));
      if (testCase.output === null) expect(output).toBe(testCase.code);
      // The codemod's output is the rule's one-pass fix, exactly.
      expect(output).toBe(fixOnceWithRule(testCase.code, options, filename));
    });
  }
});

describe('transformImportGroups', () => {
  it('skips files without imports without parsing them', () => {
    expect(transformImportGroups('this is not ( valid', 'x.ts')).toEqual({ status: 'skipped', output: 'this is not ( valid' });
  });

  it('fails with CODEMOD_PARSE_FAILED, the parser message and position', () => {
    let caught: unknown;
    try {
      transformImportGroups("import a from 'a';\nconst = ;\n", 'broken.ts');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CodemodError);
    expect((caught as CodemodError).code).toBe('CODEMOD_PARSE_FAILED');
    expect((caught as CodemodError).message).toMatch(/\(2:\d+\)$/);
  });

  it('returns the very same string when nothing changes', () => {
    const source = "import fs from 'node:fs';\n\nimport a from './a.js';\n";
    expect(runTransform(source, { tsconfig: 'false' })).toBe(source);
  });

  it('reads options from jscodeshift flags', () => {
    expect(
      importGroupsOptionsFrom({ internal: '@acme/, @coder/', builtin: 'bun,bun:*', tsconfig: 'false', sort: 'alphabetical' }),
    ).toEqual({ internal: ['@acme/', '@coder/'], builtin: ['bun', 'bun:*'], tsconfig: false, sort: 'alphabetical' });
    expect(() => importGroupsOptionsFrom({ sort: 'random' })).toThrow(expect.objectContaining({ code: 'CODEMOD_BAD_ARGUMENTS' }));
  });
});

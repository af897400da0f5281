import { describe, expect, it } from 'vitest';

import { IMPORT_GROUPS_CASES, show, text } from './cases.js';
import { fixForTest, planForTest } from './parse.js';

describe('planImportGroups: the shared case table', () => {
  for (const testCase of IMPORT_GROUPS_CASES) {
    const filename = testCase.filename ?? (testCase.name.includes('.tsx') ? 'component.tsx' : 'file.ts');
    const options = { tsconfig: false as const, ...testCase.options };

    it(testCase.name, () => {
      const fixed = fixForTest(testCase.code, options, filename);
      expect(show(fixed)).toBe(show(testCase.output ?? testCase.code));
      const plan = planForTest(testCase.code, options, filename);
      const kinds = plan.chunks.flatMap((chunk) => chunk.problems.map((problem) => problem.kind));
      expect(kinds).toEqual(testCase.errors ?? []);
      // One replacement per chunk, computed in one pass: fixing again changes nothing.
      expect(plan.edits.length).toBeLessThanOrEqual(plan.chunks.length);
      expect(show(fixForTest(fixed, options, filename))).toBe(show(fixed));
    });
  }
});

describe('planImportGroups: plan shape', () => {
  it('returns one edit per changed chunk, with the chunk range', () => {
    const code = text`
      |import { a } from './a.js';
      |import fs from 'node:fs';
      |import './side-effect.js';
      |import path from 'node:path';
    `;
    const plan = planForTest(code);
    expect(plan.chunks).toHaveLength(2);
    expect(plan.edits).toEqual([
      { range: [0, 53], text: "import fs from 'node:fs';\n\nimport { a } from './a.js';" },
    ]);
    expect(plan.chunks[1]).toMatchObject({ replacement: null, problems: [] });
    expect(plan.chunks[0]!.imports.map((ref) => [ref.specifier, ref.group])).toEqual([
      ['./a.js', 'internal'],
      ['node:fs', 'builtin'],
    ]);
  });

  it('names the import that is out of place and the one it must precede', () => {
    const plan = planForTest("import x from '@coder/x';\nimport y from './y.js';\nimport React from 'react';\n");
    expect(plan.chunks[0]!.problems).toEqual([
      expect.objectContaining({
        kind: 'order',
        import: expect.objectContaining({ specifier: 'react', group: 'external' }),
        other: expect.objectContaining({ specifier: '@coder/x', group: 'internal' }),
      }),
    ]);
  });
});

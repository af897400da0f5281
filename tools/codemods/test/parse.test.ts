import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse } from '@typescript-eslint/typescript-estree';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { findChunks } from '@coder/import-groups';
import type { ProgramLike } from '@coder/import-groups';
import { IMPORT_GROUPS_CASES } from '@coder/import-groups/test-cases';
import { CodemodError } from '../src/errors.js';
import { parseModule } from '../src/parse.js';

// parseModule builds only the statements the engine reads from TypeScript's
// tree. These tests hold it to what typescript-estree (the parser under the
// ESLint rule) gives: the same chunks, items, comments and ranges.

function estree(text: string, filename: string): ProgramLike {
  return parse(text, { range: true, filePath: filename, jsx: /\.[cm]?[jt]sx$/.test(filename), errorOnUnknownASTType: false });
}

function expectSameChunks(code: string, filename = 'file.ts'): void {
  const text = code.replace(/^\uFEFF/, '');
  expect(findChunks(text, parseModule(text, filename))).toEqual(findChunks(text, estree(text, filename)));
}

describe('parseModule finds what typescript-estree finds', () => {
  it('on the shared case table', () => {
    for (const testCase of IMPORT_GROUPS_CASES) expectSameChunks(testCase.code, testCase.filename);
  });

  it('on the codemod fixtures', () => {
    const root = fileURLToPath(new URL('./fixtures/', import.meta.url));
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) {
        const file = path.join(entry.parentPath, entry.name);
        expectSameChunks(readFileSync(file, 'utf8'), file);
      }
    }
  });

  it('on statements whose ranges typescript-estree adjusts', () => {
    const cases = [
      // Decorators before `export`: the export node starts at `export`.
      "import a from 'a'; // same line\n@dec export class A {}\nimport b from 'b';\n",
      "import a from 'a'; /* x */ @dec export default class A {}\n",
      "import a from 'a'; /* x */ @dec class A {}\n",
      "import a from 'a'; /* x */ export @dec class A {}\n",
      // Exported import-equals and namespaces are barriers; nested namespaces hold chunks.
      "import a from 'a';\nexport import b = require('b');\nimport c from 'c';\n",
      "export declare namespace A.B.C {\n  import z = require('z');\n  import fs = require('fs');\n}\n",
      "declare global {\n  import z from './z';\n  import fs from 'fs';\n}\ndeclare module 'm';\n",
      "namespace N { export const x = 1; }\nimport A = N.x;\nimport type T = require('t');\n",
      // Directive prologue, then a header comment and imports.
      "'use client';\n\"use strict\";\n// header\nimport z from './z';\nimport fs from 'fs';\n",
      "('use client');\n// not a prologue\nimport z from './z';\nimport fs from 'fs';\n",
      "#!/usr/bin/env node\n/** doc */\nimport z from './z';\nimport fs from 'fs';\n",
      // Side-effect and empty imports, type-only empty import, `import defer`.
      "import {} from 'x';\nimport type {} from 'y';\nimport './p';\nimport * as ns from 'ns';\n",
      "import defer * as d from 'd';\nimport fs from 'fs';\n",
      "import json from './data.json' with { type: 'json' };\nimport fs from 'fs';\n",
      ';\nimport z from "./z";;\nimport fs from "fs";\n',
    ];
    for (const code of cases) expectSameChunks(code);
    expectSameChunks("import z from './z';\nimport fs from 'fs';\nexport const A = () => <div />;\n", 'a.tsx');
    expectSameChunks("import z from './z';\nimport fs from 'fs';\nconst a = <div />;\n", 'a.jsx');
    expectSameChunks("import z from './z';\nimport fs from 'fs';\nconst a = <T,>(x) => x;\n", 'a.mts');
  });

  it('on generated top-level statements', () => {
    const statement = fc.constantFrom(
      "import a from 'a';", "import type { T } from './t';", "import './side';", "import x = require('x');",
      "export { y } from 'y';", 'run();', "'use strict';", '@dec export class C {}', 'export default function f() {}',
      "declare module 'm' {\n  import z from './z';\n  import fs from 'fs';\n}", 'export namespace N.M { export const v = 1; }',
      '// line', '/* block */', '', 'import A = N.B;', "import fs from 'node:fs'; // same",
    );
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 14 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        expectSameChunks(lines.join(eol) + eol);
      }),
      { numRuns: 300 },
    );
  });

  it('on rxjs sources', () => {
    const root = path.join(path.dirname(createRequire(import.meta.url).resolve('rxjs/package.json')), 'src');
    let files = 0;
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const file = path.join(entry.parentPath, entry.name);
      expectSameChunks(readFileSync(file, 'utf8'), file);
      files++;
    }
    expect(files).toBeGreaterThan(200);
  });
});

describe('parseModule errors', () => {
  it('fails where typescript-estree fails, with the message and position', () => {
    const code = "import a from 'a';\nconst = ;\n";
    let expected: { message: string; lineNumber: number; column: number } | undefined;
    try {
      estree(code, 'x.ts');
    } catch (error) {
      expected = error as typeof expected;
    }
    expect(expected).toBeDefined();
    expect(() => parseModule(code, 'x.ts')).toThrow(CodemodError);
    expect(() => parseModule(code, 'x.ts')).toThrow(`${expected!.message} (${expected!.lineNumber}:${expected!.column + 1})`);
  });
});

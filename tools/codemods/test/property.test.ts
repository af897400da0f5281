import { parse } from '@typescript-eslint/typescript-estree';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseModule } from '../src/parse.js';
import { transformImportGroups } from '../src/transforms/import-groups.js';
import { fixOnceWithRule, lint } from './helpers.js';

// Generated files: import blocks with comments (own-line, same-line,
// directives, multi-line), blank lines, barriers, a header, a shebang, a BOM,
// a directive prologue, LF or CRLF.

const specifiers = [
  'node:fs', 'fs', 'fs/promises', 'node:test', 'node:sqlite', 'path/posix', 'util/format-date', 'punycode/',
  'test', 'react', 'zod', '@scope/pkg', '@coder/ui', '@coder/db', './a.js', '../b.js', '/abs.js', '#env', '@/alias',
];
const comments = [
  '// note', '/* block */', '// @ts-ignore', '// @ts-expect-error -- why', '// eslint-disable-next-line no-console',
  '/**<EOL> * doc<EOL> */', '// prettier-ignore', '/* a */ /* b */',
];
const barriers = [
  "import './side-effect.js';", 'run();', "export { x } from './x.js';", 'import A = N.B;', "export * from 'pkg';",
  "declare module 'm' {<EOL>  import z from './z.js';<EOL>  import fs from 'node:fs';<EOL>}",
];

type Element =
  | { kind: 'import'; form: number; specifier: string; trailing: string | null }
  | { kind: 'comment'; text: string }
  | { kind: 'blank' }
  | { kind: 'barrier'; text: string };

const element: fc.Arbitrary<Element> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('import' as const),
      form: fc.integer({ min: 0, max: 8 }),
      specifier: fc.constantFrom(...specifiers),
      trailing: fc.option(fc.constantFrom('// same line', '/* same */', '/* two */ // three'), { freq: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('comment' as const), text: fc.constantFrom(...comments) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('blank' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('barrier' as const), text: fc.constantFrom(...barriers) }) },
);

const file = fc
  .record({
    bom: fc.boolean(),
    shebang: fc.boolean(),
    header: fc.option(fc.constantFrom('/**<EOL> * License<EOL> */', `/** @jest-${'environment'} jsdom */` /* split: vitest reads this pragma in test files */, '/* eslint-disable no-console */'), { freq: 2 }),
    prologue: fc.boolean(),
    elements: fc.array(element, { maxLength: 24 }),
    eol: fc.constantFrom('\n', '\r\n'),
    finalEol: fc.boolean(),
    tail: fc.boolean(),
  })
  .map(({ bom, shebang, header, prologue, elements, eol, finalEol, tail }) => {
    const lines: string[] = [];
    if (shebang) lines.push('#!/usr/bin/env node');
    if (header !== null) lines.push(header);
    if (prologue) lines.push("'use client';");
    elements.forEach((item, index) => {
      if (item.kind === 'blank') lines.push('');
      else if (item.kind === 'comment') lines.push(item.text);
      else if (item.kind === 'barrier') lines.push(item.text);
      else lines.push(printImport(item, index));
    });
    if (tail) lines.push('export const value = 1;');
    const text = lines.join(eol).replaceAll('<EOL>', eol) + (finalEol ? eol : '');
    return (bom ? '\uFEFF' : '') + text;
  });

function printImport(item: Extract<Element, { kind: 'import' }>, index: number): string {
  const name = `v${index}`;
  const source = `'${item.specifier}'`;
  const forms = [
    `import ${name} from ${source};`,
    `import { ${name} } from ${source};`,
    `import type { ${name} } from ${source};`,
    `import { type ${name}, ${name}b } from ${source};`,
    `import * as ${name} from ${source};`,
    `import ${name} = require(${source});`,
    `import {<EOL>  ${name},<EOL><EOL>  ${name}c,<EOL>} from ${source};`,
    `import ${name} from ${source}`,
    `import type ${name} = require(${source});`,
  ];
  return `${forms[item.form]}${item.trailing === null ? '' : ` ${item.trailing}`}`;
}

const options = { tsconfig: false as const };
const codemod = (code: string): string => transformImportGroups(code, 'file.ts', options).output;

/** The import statements and comments of a file, as sorted texts. */
function inventory(code: string): { statements: string[]; comments: string[] } {
  const text = code.replace(/^\uFEFF/, '');
  const program = parse(text, { range: true, comment: true });
  const statements: string[] = [];
  const visit = (body: readonly { type: string; range: [number, number]; body?: unknown }[]): void => {
    for (const statement of body) {
      if (statement.type === 'ImportDeclaration' || statement.type === 'TSImportEqualsDeclaration') {
        statements.push(text.slice(...statement.range));
      }
      const block = (statement as { body?: { body?: unknown } }).body;
      if (statement.type === 'TSModuleDeclaration' && Array.isArray(block?.body)) visit(block.body);
    }
  };
  visit(program.body);
  const comments = (program.comments ?? []).map((comment) => text.slice(...comment.range).replaceAll('\r\n', '\n'));
  return { statements: statements.sort(), comments: comments.sort() };
}

const runs = { numRuns: 300 };

describe('import-groups properties (fast-check)', () => {
  it('fixing twice equals fixing once', () => {
    fc.assert(fc.property(file, (code) => {
      const once = codemod(code);
      expect(codemod(once)).toBe(once);
    }), runs);
  });

  it('keeps the multiset of import statements and comments', () => {
    fc.assert(fc.property(file, (code) => {
      expect(inventory(codemod(code))).toEqual(inventory(code));
    }), runs);
  });

  it('the rule reports nothing on the output', () => {
    fc.assert(fc.property(file, (code) => {
      expect(lint(codemod(code), options)).toEqual([]);
    }), runs);
  });

  it("the codemod's output equals the rule's one-pass fix", () => {
    fc.assert(fc.property(file, (code) => {
      expect(codemod(code)).toBe(fixOnceWithRule(code, options));
    }), runs);
  });

  it('the output parses, keeps its BOM, shebang and line endings', () => {
    fc.assert(fc.property(file, (code) => {
      const output = codemod(code);
      expect(() => parseModule(output.replace(/^\uFEFF/, ''), 'file.ts')).not.toThrow();
      expect(output.startsWith('\uFEFF')).toBe(code.startsWith('\uFEFF'));
      expect(output.replace(/^\uFEFF/, '').startsWith('#!')).toBe(code.replace(/^\uFEFF/, '').startsWith('#!'));
      const lf = (text: string): number => text.split(/(?<!\r)\n/).length - 1;
      if (lf(code) === 0) expect(lf(output)).toBe(0);
      if (!code.includes('\r')) expect(output.includes('\r')).toBe(false);
    }), runs);
  });
});

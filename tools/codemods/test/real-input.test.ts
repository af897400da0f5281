import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseModule } from '../src/parse.js';
import { runImportGroups } from '../src/run.js';
import type { RunResult } from '../src/run.js';
import { lint } from './helpers.js';

// A large real TypeScript codebase that ships its sources in its npm
// package: rxjs (src/, about 250 files).
const rxjsSource = path.join(path.dirname(createRequire(import.meta.url).resolve('rxjs/package.json')), 'src');

let root: string;
let before: string[];
let first: RunResult;

/** TypeScript's diagnostics on the project, without positions (imports move). */
function diagnostics(files: readonly string[]): string[] {
  const program = ts.createProgram(files, {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  return [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()]
    .map((d) => `${d.file ? path.relative(root, d.file.fileName) : ''} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
    .sort();
}

function tsFiles(result: RunResult): string[] {
  return result.results.map((file) => file.path).filter((file) => /\.tsx?$/.test(file));
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'real-input-'));
  cpSync(rxjsSource, path.join(root, 'src'), { recursive: true, dereference: true });
  const listed = await runImportGroups([root], { dry: true });
  before = diagnostics(tsFiles(listed));
  first = await runImportGroups([root], { internal: ['rxjs/'] });
  // The figures go into the closing note.
  console.log(`rxjs: ${JSON.stringify(first.summary)}`);
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the codemod on rxjs sources', () => {
  it('changes files and fails on none', () => {
    expect(first.summary.scanned).toBeGreaterThan(200);
    expect(first.summary.failed).toBe(0);
    expect(first.summary.changed).toBeGreaterThan(0);
  });

  it('leaves every changed file parsing', () => {
    for (const file of first.results.filter((result) => result.status === 'changed')) {
      expect(() => parseModule(readFileSync(file.path, 'utf8'), file.path)).not.toThrow();
    }
  });

  it("leaves TypeScript's diagnostics unchanged", () => {
    expect(diagnostics(tsFiles(first))).toEqual(before);
  });

  it('leaves nothing for the rule to report', () => {
    const reports: string[] = [];
    for (const file of first.results) {
      const messages = lint(readFileSync(file.path, 'utf8'), { internal: ['rxjs/'] }, file.path);
      for (const message of messages) reports.push(`${path.relative(root, file.path)}:${message.line} ${message.message}`);
    }
    expect(reports).toEqual([]);
  });

  it('changes nothing on a second run', async () => {
    const second = await runImportGroups([root], { internal: ['rxjs/'] });
    expect(second.summary).toMatchObject({ changed: 0, failed: 0, scanned: first.summary.scanned });
  });
});

import tsParser from '@typescript-eslint/parser';
import { Linter } from 'eslint';
import jscodeshift from 'jscodeshift';
import type { API, Options } from 'jscodeshift';

import plugin from '@coder/eslint-plugin';
import { applyEdits } from '@coder/import-groups';
import type { ImportGroupsOptions } from '@coder/import-groups';
import type { ImportGroupsCase } from '@coder/import-groups/test-cases';
import transform from '../src/transforms/import-groups.js';

// A real ESLint Linter with the real rule and typescript-eslint's parser.
// cwd '/' so that absolute fixture paths are inside the config's base path.
const linter = new Linter({ configType: 'flat', cwd: '/' });

function config(options: ImportGroupsOptions): Linter.Config[] {
  return [
    {
      files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
      languageOptions: { parser: tsParser as Linter.Parser },
      linterOptions: { reportUnusedDisableDirectives: 'off' },
      plugins: { '@coder': plugin as never },
      rules: { '@coder/import-groups': ['error', options] as Linter.RuleEntry },
    },
  ];
}

/** The options a case runs with: `tsconfig: false` unless it says otherwise, undefined keys dropped. */
export function caseOptions(testCase: Pick<ImportGroupsCase, 'options'>): ImportGroupsOptions {
  const options: Record<string, unknown> = { tsconfig: false, ...testCase.options };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return options as ImportGroupsOptions;
}

/** The rule's reports (and any fatal parse error). */
export function lint(code: string, options: ImportGroupsOptions, filename = 'file.ts'): Linter.LintMessage[] {
  return linter.verify(code, config(options), { filename });
}

/** One ESLint fix pass: every fix the rule attached, applied together. */
export function fixOnceWithRule(code: string, options: ImportGroupsOptions, filename = 'file.ts'): string {
  const messages = lint(code, options, filename);
  const fatal = messages.find((message) => message.fatal);
  if (fatal) throw new Error(`parse error: ${fatal.message}`);
  const bom = code.startsWith('\uFEFF') ? '\uFEFF' : '';
  const edits = messages.flatMap((message) => (message.fix ? [{ range: message.fix.range, text: message.fix.text }] : []));
  return bom + applyEdits(code.slice(bom.length), edits);
}

/** The jscodeshift transform, called the way jscodeshift's runner calls it. */
export function runTransform(source: string, options: Options, filename = 'file.ts'): string {
  const j = jscodeshift.withParser('tsx');
  const api: API = { j, jscodeshift: j, stats: () => {}, report: () => {} };
  return transform({ path: filename, source }, api, options);
}

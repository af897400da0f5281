import type { InvalidTestCase, ValidTestCase } from '@typescript-eslint/rule-tester';

import { IMPORT_GROUPS_CASES } from '@coder/import-groups/test-cases';
import type { ImportGroupsCase } from '@coder/import-groups/test-cases';
import type { ImportGroupsOptions } from '@coder/import-groups';
import { importGroups } from '../../src/rules/import-groups.js';
import type { MessageIds, Options } from '../../src/rules/import-groups.js';
import { createRuleTester } from '../rule-tester.js';

/** The case's options as the rule gets them: `tsconfig: false` unless the case says otherwise. */
export function ruleOptions(testCase: ImportGroupsCase): Options {
  const options: Record<string, unknown> = { tsconfig: false, ...testCase.options };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return [options as ImportGroupsOptions];
}

export function caseFilename(testCase: ImportGroupsCase): string {
  return testCase.filename ?? 'file.ts';
}

const valid: Array<ValidTestCase<Options>> = [];
const invalid: Array<InvalidTestCase<MessageIds, Options>> = [];
for (const testCase of IMPORT_GROUPS_CASES) {
  const base = { name: testCase.name, code: testCase.code, filename: caseFilename(testCase), options: ruleOptions(testCase) };
  if (testCase.output === null) {
    valid.push(base);
    continue;
  }
  const kinds = testCase.errors ?? [];
  invalid.push({
    ...base,
    output: testCase.output,
    errors: kinds.map((messageId, index) => {
      const message = testCase.messages?.[index];
      return message === undefined ? { messageId } : ({ message } as never);
    }),
  });
}

createRuleTester().run('import-groups', importGroups, { valid, invalid });

import { RuleTester } from '@typescript-eslint/rule-tester';
import { afterAll, describe, it } from 'vitest';

RuleTester.afterAll = afterAll;
RuleTester.describe = describe;
RuleTester.it = it;

/** A RuleTester with typescript-eslint's parser, no type information. */
export function createRuleTester(): RuleTester {
  // Cases carry `eslint-disable` comments that only the rule under test sees.
  return new RuleTester({ linterOptions: { reportUnusedDisableDirectives: 'off' } });
}

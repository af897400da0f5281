import { ESLintUtils } from '@typescript-eslint/utils';

/** Where this repository lives; rule docs are `docs/rules/<rule>.md` under this package. */
export const REPOSITORY_URL = 'https://github.com/coder/coder-tooling';

/**
 * The documentation URL of a rule, derived from its name.
 *
 * @example
 * ruleDocsUrl('import-groups');
 * // 'https://github.com/coder/coder-tooling/blob/main/packages/eslint-plugin/docs/rules/import-groups.md'
 */
export function ruleDocsUrl(name: string): string {
  return `${REPOSITORY_URL}/blob/main/packages/eslint-plugin/docs/rules/${name}.md`;
}

/** The one helper every rule of this plugin is built with (typescript-eslint's RuleCreator). */
export const createRule = ESLintUtils.RuleCreator(ruleDocsUrl);

import type { TSESLint } from '@typescript-eslint/utils';

import { rules } from './rules/index.js';

export { ruleDocsUrl } from './create-rule.js';
export { rules };

interface CoderPlugin {
  meta: { name: string; version: string };
  rules: typeof rules;
  configs: { recommended: TSESLint.FlatConfig.Config };
}

/**
 * The `@coder` ESLint plugin.
 *
 * @example
 * // eslint.config.js
 * import coder from '@coder/eslint-plugin';
 * export default [coder.configs.recommended];
 */
const plugin: CoderPlugin = {
  meta: { name: '@coder/eslint-plugin', version: '0.1.0' },
  rules,
  configs: {} as CoderPlugin['configs'],
};

/** Flat config: the plugin under `@coder`, `@coder/import-groups` as an error, for JS and TS files. */
plugin.configs.recommended = {
  name: '@coder/recommended',
  files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
  plugins: { '@coder': plugin as unknown as TSESLint.FlatConfig.Plugin },
  rules: { '@coder/import-groups': 'error' },
};

export default plugin;

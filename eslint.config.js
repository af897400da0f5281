// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

// The built plugin (turbo's lint task depends on @coder/eslint-plugin#build).
import coder from '@coder/eslint-plugin';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/.data/**', '**/test/fixtures/**', '**/migrations/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  coder.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);

import { parse } from '@typescript-eslint/typescript-estree';

import type { ProgramLike } from '@coder/import-groups';
import { CodemodError } from './errors.js';

/**
 * Parses a file with `@typescript-eslint/typescript-estree`, the parser under
 * `@typescript-eslint/parser`: the codemod and the ESLint rule see the same
 * statements with the same ranges, so they cannot disagree. No comments or
 * tokens are collected (the engine reads comments from the text between
 * statements), which keeps the parse cheap.
 *
 * `text` must not start with a BOM (strip it first, as ESLint does).
 *
 * @throws {CodemodError} `CODEMOD_PARSE_FAILED` with the parser's message and position
 * @example
 * const program = parseModule("import fs from 'node:fs';\n", 'src/a.ts');
 */
export function parseModule(text: string, filename: string): ProgramLike {
  try {
    return parse(text, {
      range: true,
      loc: false,
      comment: false,
      tokens: false,
      filePath: filename,
      // Only consulted for extensions TypeScript does not know.
      jsx: /\.[cm]?[jt]sx$/.test(filename),
      errorOnUnknownASTType: false,
      suppressDeprecatedPropertyWarnings: true,
    });
  } catch (error) {
    const { lineNumber, column } = error as { lineNumber?: number; column?: number };
    const where = lineNumber === undefined ? '' : ` (${lineNumber}:${(column ?? 0) + 1})`;
    throw new CodemodError('CODEMOD_PARSE_FAILED', `${(error as Error).message}${where}`, { cause: error });
  }
}

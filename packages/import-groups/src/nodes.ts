/**
 * The few ESTree shapes the planner reads. Any ESTree producer fits: the
 * Program ESLint hands a rule (espree or typescript-eslint) and the one
 * `@typescript-eslint/typescript-estree` returns to the codemod. Nothing else
 * is needed: comments are read from the text between statements, which holds
 * nothing but whitespace and comments.
 */
export interface StatementLike {
  readonly type: string;
  readonly range: readonly [number, number];
  /** ImportDeclaration: the module specifier. */
  readonly source?: { readonly value?: unknown } | null | undefined;
  /** ImportDeclaration: empty for a side-effect import. */
  readonly specifiers?: readonly unknown[] | undefined;
  /** ImportDeclaration / TSImportEqualsDeclaration: `'type'` for type-only imports. */
  readonly importKind?: string | undefined;
  /** TSImportEqualsDeclaration: `TSExternalModuleReference` for `import x = require('y')`. */
  readonly moduleReference?: { readonly type: string; readonly expression?: unknown } | undefined;
  /** ExpressionStatement: set on directives such as `'use client'`. */
  readonly directive?: unknown;
  /** TSModuleDeclaration: the `{ ... }` block of `declare module 'x' { ... }`. */
  readonly body?: unknown;
  /** ExportNamedDeclaration: `export declare namespace X { ... }`. */
  readonly declaration?: unknown;
}

/** The root node: its statements. */
export interface ProgramLike {
  readonly body: readonly StatementLike[];
}

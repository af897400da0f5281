import { createRequire } from 'node:module';

import type * as TypeScript from 'typescript';

import type { ProgramLike, StatementLike } from '@coder/import-groups';
import { CodemodError } from './errors.js';

/*
 * Why not `@typescript-eslint/typescript-estree`: it runs this very
 * `ts.createSourceFile` and then converts the whole tree to ESTree, and the
 * conversion was half the codemod's time. The engine reads statements only
 * (their kind, range, specifier, and the bodies of `declare module` blocks),
 * so the adapter below builds just those from TypeScript's tree, with the
 * ranges typescript-estree would give them (see statementRange), and the
 * codemod still sees what the rule sees under `@typescript-eslint/parser`.
 * test/parse.test.ts compares the chunks found through both on the shared
 * case table, generated files and rxjs.
 */

// `require`, not `import`: importing the 9 MB CommonJS file from ESM makes
// Node scan it for named exports first (cjs-module-lexer), measured at 0.5 s
// of a 1.5 s run over 2,000 files.
const ts = createRequire(import.meta.url)('typescript') as typeof TypeScript;

/**
 * Parses a file with TypeScript's parser (the one under
 * `@typescript-eslint/parser`) and returns the statement-level nodes the
 * import-groups engine reads, shaped as ESTree with typescript-eslint's
 * ranges. JSDoc is not parsed and no parent pointers are set, which keeps
 * the parse cheap.
 *
 * `text` must not start with a BOM (strip it first, as ESLint does).
 *
 * @throws {CodemodError} `CODEMOD_PARSE_FAILED` with the parser's first message and position
 * @example
 * const program = parseModule("import fs from 'node:fs';\n", 'src/a.ts');
 * program.body[0]; // { type: 'ImportDeclaration', range: [0, 25], source: { value: 'node:fs' }, ... }
 */
export function parseModule(text: string, filename: string): ProgramLike {
  const sourceFile = ts.createSourceFile(
    filename,
    text,
    { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone },
    /* setParentNodes */ false,
    scriptKind(filename),
  );
  // typescript-estree fails on the first of these too (internal field, stable since TS 1.x).
  const diagnostic = (sourceFile as TypeScript.SourceFile & { parseDiagnostics?: readonly TypeScript.DiagnosticWithLocation[] })
    .parseDiagnostics?.[0];
  if (diagnostic) {
    const { line, character } = sourceFile.getLineAndCharacterOfPosition(diagnostic.start);
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    throw new CodemodError('CODEMOD_PARSE_FAILED', `${message} (${line + 1}:${character + 1})`, { cause: diagnostic });
  }
  return { body: statements(sourceFile.statements, sourceFile, true) };
}

/** typescript-estree's choice (getScriptKind): by extension, `.tsx`-like for unknown ones that look like JSX. */
function scriptKind(filename: string): TypeScript.ScriptKind {
  const dot = filename.lastIndexOf('.');
  switch (dot === -1 ? '' : filename.slice(dot).toLowerCase()) {
    case '.js':
    case '.cjs':
    case '.mjs':
      return ts.ScriptKind.JS;
    case '.ts':
    case '.cts':
    case '.mts':
      return ts.ScriptKind.TS;
    case '.jsx':
      return ts.ScriptKind.JSX;
    case '.tsx':
      return ts.ScriptKind.TSX;
    default:
      return /\.[cm]?[jt]sx$/.test(filename) ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  }
}

function statements(nodes: TypeScript.NodeArray<TypeScript.Statement>, sourceFile: TypeScript.SourceFile, allowDirectives: boolean): StatementLike[] {
  const out: StatementLike[] = [];
  let prologue = allowDirectives;
  for (const node of nodes) {
    const statement = convert(node, sourceFile);
    // typescript-estree's convertBodyExpressions: leading string-literal
    // expression statements are directives ('use client').
    if (prologue) {
      if (ts.isExpressionStatement(node) && ts.isStringLiteral(node.expression)) {
        const raw = sourceFile.text.slice(node.expression.getStart(sourceFile), node.expression.end);
        out.push({ ...statement, directive: raw.slice(1, -1) });
        continue;
      }
      prologue = false;
    }
    out.push(statement);
  }
  return out;
}

function convert(node: TypeScript.Statement, sourceFile: TypeScript.SourceFile): StatementLike {
  const exportKeyword = leadingExport(node);
  if (exportKeyword) {
    // typescript-estree's fixExports: the declaration is wrapped in an
    // export node whose range starts at `export` (after any decorator).
    const isDefault = ts.getModifiers(node as TypeScript.HasModifiers)?.[1]?.kind === ts.SyntaxKind.DefaultKeyword;
    return {
      type: isDefault ? 'ExportDefaultDeclaration' : 'ExportNamedDeclaration',
      range: [exportKeyword.getStart(sourceFile), node.end],
      declaration: convertDeclaration(node, sourceFile),
    };
  }
  return convertDeclaration(node, sourceFile);
}

function convertDeclaration(node: TypeScript.Statement, sourceFile: TypeScript.SourceFile): StatementLike {
  const range: [number, number] = [node.getStart(sourceFile), node.end];
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    let specifiers = 0;
    if (clause?.name) specifiers++;
    const bindings = clause?.namedBindings;
    if (bindings) specifiers += ts.isNamespaceImport(bindings) ? 1 : bindings.elements.length;
    return {
      type: 'ImportDeclaration',
      range,
      source: ts.isStringLiteral(node.moduleSpecifier) ? { value: node.moduleSpecifier.text } : null,
      specifiers: new Array<unknown>(specifiers),
      importKind: clause?.phaseModifier === ts.SyntaxKind.TypeKeyword ? 'type' : 'value',
    };
  }
  if (ts.isImportEqualsDeclaration(node)) {
    const reference = node.moduleReference;
    return {
      type: 'TSImportEqualsDeclaration',
      range,
      importKind: node.isTypeOnly ? 'type' : 'value',
      moduleReference: ts.isExternalModuleReference(reference)
        ? {
            type: 'TSExternalModuleReference',
            expression: ts.isStringLiteral(reference.expression) ? { value: reference.expression.text } : {},
          }
        : { type: 'TSQualifiedName' },
    };
  }
  if (ts.isModuleDeclaration(node)) {
    return { type: 'TSModuleDeclaration', range, body: moduleBody(node.body, sourceFile) };
  }
  if (ts.isExpressionStatement(node)) return { type: 'ExpressionStatement', range };
  // Any other statement is a barrier; its kind is all the engine could ask for.
  return { type: ts.SyntaxKind[node.kind] ?? 'Statement', range };
}

/** `declare module 'x' { ... }`, `namespace A.B { ... }` (nested declarations), or nothing (`declare module 'x';`). */
function moduleBody(body: TypeScript.ModuleBody | undefined, sourceFile: TypeScript.SourceFile): StatementLike | undefined {
  if (!body) return undefined;
  const range: [number, number] = [body.getStart(sourceFile), body.end];
  if (ts.isModuleBlock(body)) {
    return { type: 'TSModuleBlock', range, body: statements(body.statements, sourceFile, true) };
  }
  if (ts.isModuleDeclaration(body)) return { type: 'TSModuleDeclaration', range, body: moduleBody(body.body, sourceFile) };
  return { type: 'Identifier', range };
}

/** The `export` keyword when it is the first modifier (decorators aside), as typescript-estree checks. */
function leadingExport(node: TypeScript.Statement): TypeScript.Modifier | undefined {
  if (!ts.canHaveModifiers(node)) return undefined;
  const first = ts.getModifiers(node)?.[0];
  return first?.kind === ts.SyntaxKind.ExportKeyword ? first : undefined;
}

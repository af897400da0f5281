import type { ProgramLike, StatementLike } from './nodes.js';
import { countLineBreaks, hasLineBreak, isLineBreak, programStart, scanTrivia } from './trivia.js';
import type { Comment } from './trivia.js';

/** One movable import with the comments that travel with it. */
export interface ChunkItem {
  /** Position in the chunk as written. */
  readonly index: number;
  /** The module specifier (`'react'`, `'./a.js'`). */
  readonly specifier: string;
  /** Range of the import statement itself. */
  readonly statement: readonly [number, number];
  /** Own-line comments above the statement that move with it. */
  readonly leading: readonly Comment[];
  /** Comments on the statement's last line, after it. */
  readonly trailing: readonly Comment[];
  /** Start of the first leading comment, else of the statement. */
  readonly start: number;
  /** End of the last trailing comment (or the statement), plus trailing blanks up to the line break. */
  readonly end: number;
}

/** A run of consecutive movable imports, laid out on its own. */
export interface Chunk {
  readonly start: number;
  readonly end: number;
  readonly items: readonly ChunkItem[];
  /** Indentation of the chunk's first line (inside `declare module` blocks). */
  readonly indent: string;
  /** Whether code follows the chunk on its last line (`import a from 'a'; foo();`). */
  readonly followedOnSameLine: boolean;
  /** `end` plus the blanks before that code, when there is code. */
  readonly endWithBlanks: number;
}

/*
 * Comment attachment: every rule in one place.
 *
 * 1. Same-line comments: comments that start on the line where an import
 *    ends (and any chained after them on that line) are its trailing
 *    comments and move with it.
 * 2. Between two imports of a chunk, every other comment belongs to the
 *    import below it (own-line comments above an import move with it).
 *    Blank lines between such comments and their import are dropped: the
 *    layout allows blank lines only between groups.
 * 3. Above the first import of a chunk, only the comments directly above it
 *    (no blank line in between, none on the line of the previous statement)
 *    move with it; the others stay where they are.
 * 4. Header: above the first import of the file (only directives such as
 *    'use client' before it), the comments stay, as a license block, a
 *    `@jest-environment` pragma or an `eslint-disable` block must. Except
 *    line directives (see LINE_DIRECTIVE) directly above the import: from
 *    the first of them on, those comments travel with the import, because
 *    they apply to the next line.
 * 5. Comments after the last import of a chunk, on their own lines, belong
 *    to whatever follows and stay.
 * 6. Shebang, BOM and directive prologues are never part of a chunk.
 */

/**
 * Comments that act on the next line only: they must stay directly above
 * the import they were written for.
 */
export const LINE_DIRECTIVE =
  /^[\s*]*(?:eslint-disable-next-line|oxlint-disable-next-line|@ts-ignore|@ts-expect-error|prettier-ignore|biome-ignore|(?:istanbul|c8|v8)\s+ignore\s+next)\b/;

/**
 * Finds every chunk of movable imports, in the Program and in
 * `declare module '...' { }` blocks.
 */
export function findChunks(text: string, program: ProgramLike): Chunk[] {
  const chunks: Chunk[] = [];
  collect(text, program.body, programStart(text), text.length, true, chunks);
  return chunks;
}

/** The specifier of a movable import, `null` for a barrier. */
export function movableSpecifier(statement: StatementLike): string | null {
  if (statement.type === 'ImportDeclaration') {
    const value = statement.source?.value;
    if (typeof value !== 'string') return null;
    // A side-effect import (`import './polyfill'`, `import {} from 'x'`) runs
    // code: moving it could change behaviour, so it is a barrier.
    if ((statement.specifiers?.length ?? 0) === 0 && statement.importKind !== 'type') return null;
    return value;
  }
  if (statement.type === 'TSImportEqualsDeclaration') {
    // `import x = require('y')` moves; `import A = N.B` aliases a namespace
    // member and is a barrier.
    const reference = statement.moduleReference;
    if (reference?.type !== 'TSExternalModuleReference') return null;
    const value = (reference.expression as { value?: unknown } | undefined)?.value;
    return typeof value === 'string' ? value : null;
  }
  return null;
}

function collect(
  text: string,
  statements: readonly StatementLike[],
  regionStart: number,
  regionEnd: number,
  isProgram: boolean,
  chunks: Chunk[],
): void {
  let previousEnd = regionStart;
  let atRegionStart = true;
  let onlyDirectivesBefore = isProgram;
  let i = 0;
  while (i < statements.length) {
    const statement = statements[i]!;
    const specifier = movableSpecifier(statement);
    if (specifier === null) {
      visitNested(text, statement, chunks);
      if (!(statement.type === 'ExpressionStatement' && typeof statement.directive === 'string')) {
        onlyDirectivesBefore = false;
      }
      previousEnd = statement.range[1];
      atRegionStart = false;
      i++;
      continue;
    }

    const gapBefore = scanTrivia(text, previousEnd, statement.range[0]) ?? [];
    let leading = firstLeading(
      text,
      gapBefore,
      previousEnd,
      statement.range[0],
      // Rule 3 does not apply at the very start of the file: nothing to trail.
      !(isProgram && atRegionStart),
      onlyDirectivesBefore,
    );
    const items: ChunkItem[] = [];
    let j = i;
    for (;;) {
      const current = statements[j]!;
      const [stmtStart, stmtEnd] = current.range;
      const next = statements[j + 1];
      const gapEnd = next ? next.range[0] : regionEnd;
      const gapAfter = scanTrivia(text, stmtEnd, gapEnd);
      const trailing: Comment[] = [];
      let position = stmtEnd;
      for (const comment of gapAfter ?? []) {
        if (hasLineBreak(text, position, comment.start)) break;
        trailing.push(comment);
        position = comment.end;
      }
      items.push({
        index: items.length,
        specifier: movableSpecifier(current)!,
        statement: [stmtStart, stmtEnd],
        leading,
        trailing,
        start: leading[0]?.start ?? stmtStart,
        end: extendOverBlanks(text, position),
      });
      if (!next || gapAfter === null || movableSpecifier(next) === null) break;
      leading = gapAfter.slice(trailing.length);
      j++;
    }

    const first = items[0]!;
    const last = items[items.length - 1]!;
    let endWithBlanks = last.end;
    while (text.charCodeAt(endWithBlanks) === 0x20 || text.charCodeAt(endWithBlanks) === 0x09) endWithBlanks++;
    chunks.push({
      start: first.start,
      end: last.end,
      items,
      indent: indentAt(text, first.start),
      followedOnSameLine: last.end < text.length && !isLineBreak(text.charCodeAt(last.end)),
      endWithBlanks,
    });
    previousEnd = statements[j]!.range[1];
    atRegionStart = false;
    onlyDirectivesBefore = false;
    i = j + 1;
  }
}

/** Rules 3 and 4: which comments above a chunk's first import travel with it. */
function firstLeading(
  text: string,
  gap: readonly Comment[],
  previousEnd: number,
  statementStart: number,
  skipSameLine: boolean,
  isHeader: boolean,
): Comment[] {
  let from = 0;
  if (skipSameLine) {
    let position = previousEnd;
    while (from < gap.length && !hasLineBreak(text, position, gap[from]!.start)) {
      position = gap[from]!.end;
      from++;
    }
  }
  let first = gap.length;
  let cursor = statementStart;
  for (let k = gap.length - 1; k >= from; k--) {
    if (countLineBreaks(text, gap[k]!.end, cursor) > 1) break;
    first = k;
    cursor = gap[k]!.start;
  }
  const above = gap.slice(first);
  if (!isHeader) return above;
  const directive = above.findIndex((comment) => isLineDirective(text, comment));
  return directive === -1 ? [] : above.slice(directive);
}

/** Whether a comment is a line directive (rule 4). */
export function isLineDirective(text: string, comment: Comment): boolean {
  return LINE_DIRECTIVE.test(text.slice(comment.start + 2, comment.end));
}

function visitNested(text: string, statement: StatementLike, chunks: Chunk[]): void {
  let node: unknown = statement;
  if (statement.type === 'ExportNamedDeclaration') node = statement.declaration;
  // `declare module 'a' { ... }`, `declare global { ... }`, `namespace A.B { ... }`
  while (isNode(node) && node.type === 'TSModuleDeclaration') node = node.body;
  if (isNode(node) && node.type === 'TSModuleBlock' && Array.isArray(node.body)) {
    collect(text, node.body as StatementLike[], node.range[0] + 1, node.range[1] - 1, false, chunks);
  }
}

function isNode(value: unknown): value is StatementLike {
  return typeof value === 'object' && value !== null && 'type' in value && 'range' in value;
}

function extendOverBlanks(text: string, position: number): number {
  let k = position;
  while (k < text.length && (text.charCodeAt(k) === 0x20 || text.charCodeAt(k) === 0x09)) k++;
  return k === text.length || isLineBreak(text.charCodeAt(k)) ? k : position;
}

function indentAt(text: string, position: number): string {
  let k = position;
  while (k > 0 && !isLineBreak(text.charCodeAt(k - 1))) k--;
  const prefix = text.slice(k, position);
  return /^[ \t]*$/.test(prefix) ? prefix : '';
}

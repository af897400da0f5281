import { findChunks } from './chunks.js';
import type { Chunk, ChunkItem } from './chunks.js';
import { createClassifier } from './classify.js';
import type { Classifier, ClassifyContext } from './classify.js';
import { ImportGroupsError } from './errors.js';
import { groupRank, orderItems, printChunk, sortKey } from './layout.js';
import type { GroupedItem } from './layout.js';
import type { ProgramLike } from './nodes.js';
import { validateOptions } from './options.js';
import type { ImportGroup, ImportGroupsOptions } from './options.js';
import { countLineBreaks, detectEol } from './trivia.js';

/** Options of {@link planImportGroups}: the shared options and where the file is. */
export interface PlanOptions extends ImportGroupsOptions, ClassifyContext {
  /** tsconfig `paths` patterns to use instead of reading `tsconfig`. */
  readonly paths?: readonly string[] | undefined;
  /** A classifier compiled once by the caller ({@link createClassifier}); overrides the other options. */
  readonly classifier?: Classifier | undefined;
}

/** One import as written. */
export interface ImportRef {
  readonly specifier: string;
  readonly group: ImportGroup;
  /** Range of the import statement. */
  readonly range: readonly [number, number];
}

/** What is wrong with one import. */
export type ProblemKind =
  /** A group comes after a later group: `other` is the first import it must come before. */
  | 'order'
  /** Alphabetical order inside a group: `other` is the import it must come before. */
  | 'sort'
  /** No blank line between two groups: `other` is the import above. */
  | 'missingBlankLine'
  /** More than one blank line between two groups: `other` is the import above. */
  | 'extraBlankLines'
  /** A blank line inside a group: `other` is the import above. */
  | 'blankLineInGroup'
  /** Anything else the layout changes (two imports on a line, a comment away from its import). */
  | 'layout';

/** A reason to rewrite a chunk, pinned to one import. */
export interface Problem {
  readonly kind: ProblemKind;
  readonly import: ImportRef;
  readonly other?: ImportRef | undefined;
}

/** The plan for one chunk. */
export interface ChunkPlan {
  readonly range: readonly [number, number];
  /** The chunk's imports as written. */
  readonly imports: readonly ImportRef[];
  /** The laid-out text for `range`, or `null` when the chunk is already laid out. */
  readonly replacement: string | null;
  /** Why the chunk must change; empty when `replacement` is `null`. */
  readonly problems: readonly Problem[];
}

/** Replace `text[range[0], range[1])` by `text`. */
export interface Edit {
  readonly range: readonly [number, number];
  readonly text: string;
}

/** The plan for a file: every chunk, and one edit per chunk that changes. */
export interface Plan {
  readonly chunks: readonly ChunkPlan[];
  readonly edits: readonly Edit[];
}

/**
 * Plans the layout of every import chunk of a file: find chunks → attach
 * comments → classify → group (and sort) → print → one edit per chunk whose
 * text changes. Pure apart from reading the tsconfig (once, cached).
 *
 * `text` is the file without BOM (ESLint's `sourceCode.text`); `program` its
 * ESTree Program with `range`s.
 *
 * @example
 * import { parse } from '@typescript-eslint/typescript-estree';
 * const text = "import b from './b';\nimport fs from 'node:fs';\n";
 * const plan = planImportGroups(text, parse(text, { range: true }), { tsconfig: false });
 * plan.edits; // [{ range: [0, 45], text: "import fs from 'node:fs';\n\nimport b from './b';" }]
 */
export function planImportGroups(text: string, program: ProgramLike, options?: PlanOptions): Plan {
  const chunks = findChunks(text, program);
  if (chunks.length === 0) return { chunks: [], edits: [] };
  const { sort } = validateOptions({
    internal: options?.internal,
    builtin: options?.builtin,
    sort: options?.sort,
    tsconfig: options?.tsconfig,
  });
  const classifier = options?.classifier ?? createClassifier(options);
  const eol = detectEol(text);
  const plans: ChunkPlan[] = [];
  const edits: Edit[] = [];
  for (const chunk of chunks) {
    const grouped: GroupedItem[] = chunk.items.map((item) => ({ item, group: classifier(item.specifier) }));
    const ordered = orderItems(grouped, sort);
    let replacement: string | null = printChunk(text, chunk, ordered, eol);
    let end = chunk.end;
    if (replacement === text.slice(chunk.start, chunk.end)) {
      replacement = null;
    } else if (chunk.followedOnSameLine) {
      // Code after the last import on its line moves to its own line, so a
      // `//` comment that now ends the chunk cannot swallow it.
      replacement += eol + chunk.indent;
      end = chunk.endWithBlanks;
    }
    const imports = grouped.map(toRef);
    const problems = replacement === null ? [] : findProblems(text, chunk, grouped, imports, sort === 'alphabetical', eol);
    plans.push({ range: [chunk.start, end], imports, replacement, problems });
    if (replacement !== null) edits.push({ range: [chunk.start, end], text: replacement });
  }
  return { chunks: plans, edits };
}

/**
 * The file's text with every chunk laid out, in one pass.
 *
 * @example
 * fixImportGroups("import b from './b';\nimport fs from 'fs';\n", program, { tsconfig: false });
 * // "import fs from 'fs';\n\nimport b from './b';\n"
 */
export function fixImportGroups(text: string, program: ProgramLike, options?: PlanOptions): string {
  return applyEdits(text, planImportGroups(text, program, options).edits);
}

/**
 * Applies non-overlapping edits.
 *
 * @throws {ImportGroupsError} `IMPORT_GROUPS_INVALID_EDITS` when edits overlap or leave the text
 * @example
 * applyEdits('abc', [{ range: [1, 2], text: 'B' }]); // 'aBc'
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  const sorted = [...edits].sort((a, b) => a.range[0] - b.range[0]);
  let out = '';
  let position = 0;
  for (const { range, text: replacement } of sorted) {
    if (range[0] < position || range[1] < range[0] || range[1] > text.length) {
      throw new ImportGroupsError('IMPORT_GROUPS_INVALID_EDITS', `Edit [${range[0]}, ${range[1]}) overlaps or is out of range`);
    }
    out += text.slice(position, range[0]) + replacement;
    position = range[1];
  }
  return out + text.slice(position);
}

function toRef({ item, group }: GroupedItem): ImportRef {
  return { specifier: item.specifier, group, range: item.statement };
}

/** Names what is wrong, relative to the order as written. */
function findProblems(
  text: string,
  chunk: Chunk,
  grouped: readonly GroupedItem[],
  imports: readonly ImportRef[],
  alphabetical: boolean,
  eol: string,
): Problem[] {
  const problems: Problem[] = [];
  // Order: each import against the first earlier import of a later group,
  // and (alphabetical) against the greatest earlier import of its group.
  const firstOfRank: Array<number | undefined> = [undefined, undefined, undefined];
  const greatestOfGroup = new Map<ImportGroup, number>();
  for (let i = 0; i < grouped.length; i++) {
    const rank = groupRank(grouped[i]!.group);
    let before: number | undefined;
    for (let r = rank + 1; r < 3; r++) {
      const first = firstOfRank[r];
      if (first !== undefined && (before === undefined || first < before)) before = first;
    }
    if (before !== undefined) {
      problems.push({ kind: 'order', import: imports[i]!, other: imports[before] });
    } else if (alphabetical) {
      const greatest = greatestOfGroup.get(grouped[i]!.group);
      if (greatest !== undefined && sortKey(imports[greatest]!.specifier) > sortKey(imports[i]!.specifier)) {
        problems.push({ kind: 'sort', import: imports[i]!, other: imports[greatest] });
      }
    }
    firstOfRank[rank] ??= i;
    const greatest = greatestOfGroup.get(grouped[i]!.group);
    if (greatest === undefined || sortKey(imports[greatest]!.specifier) <= sortKey(imports[i]!.specifier)) {
      greatestOfGroup.set(grouped[i]!.group, i);
    }
  }
  if (problems.length > 0) return problems;

  // Blank lines, between neighbours as written.
  for (let i = 1; i < grouped.length; i++) {
    const above = chunk.items[i - 1]!;
    const below = chunk.items[i]!;
    const blanks = blankLines(text, above, below);
    const sameGroup = grouped[i - 1]!.group === grouped[i]!.group;
    const other = imports[i - 1];
    if (sameGroup && blanks > 0) problems.push({ kind: 'blankLineInGroup', import: imports[i]!, other });
    if (!sameGroup && blanks === 0) problems.push({ kind: 'missingBlankLine', import: imports[i]!, other });
    if (!sameGroup && blanks > 1) problems.push({ kind: 'extraBlankLines', import: imports[i]!, other });
  }
  if (problems.length > 0) return problems;

  // Anything else: the first import whose separation from the one above is not the expected one.
  for (let i = 1; i < grouped.length; i++) {
    const sameGroup = grouped[i - 1]!.group === grouped[i]!.group;
    const expected = (sameGroup ? eol : eol + eol) + chunk.indent;
    if (text.slice(chunk.items[i - 1]!.end, chunk.items[i]!.start) !== expected) {
      return [{ kind: 'layout', import: imports[i]!, other: imports[i - 1] }];
    }
  }
  return [{ kind: 'layout', import: imports[0]! }];
}

/** Blank lines between two neighbouring imports, counted in every whitespace run of the gap. */
function blankLines(text: string, above: ChunkItem, below: ChunkItem): number {
  let blanks = 0;
  let position = above.statement[1];
  const tokens = [...above.trailing, ...below.leading, { start: below.statement[0], end: below.statement[0] }];
  for (const token of tokens) {
    blanks += Math.max(0, countLineBreaks(text, position, token.start) - 1);
    position = token.end;
  }
  return blanks;
}

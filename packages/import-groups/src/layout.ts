import type { Chunk, ChunkItem } from './chunks.js';
import type { ImportGroup, SortOrder } from './options.js';
import { hasLineBreak, isLineBreak } from './trivia.js';

/** An item with its group, as the layout sees it. */
export interface GroupedItem {
  readonly item: ChunkItem;
  readonly group: ImportGroup;
}

const RANK: Readonly<Record<ImportGroup, number>> = { builtin: 0, external: 1, internal: 2 };

/** The rank of a group: built-in 0, third-party 1, own code 2. */
export function groupRank(group: ImportGroup): number {
  return RANK[group];
}

/**
 * Alphabetical key of a specifier: case-insensitive, code-point order (the
 * same on every machine, unlike `localeCompare`).
 */
export function sortKey(specifier: string): string {
  return specifier.toLowerCase();
}

/** Compares two specifiers for `sort: 'alphabetical'`; ties keep the written order. */
export function compareSpecifiers(a: string, b: string): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Groups (and optionally sorts) items; a stable sort, so laid-out input keeps its order. */
export function orderItems(items: readonly GroupedItem[], sort: SortOrder): GroupedItem[] {
  const ordered = [...items];
  ordered.sort((a, b) => {
    const byGroup = RANK[a.group] - RANK[b.group];
    if (byGroup !== 0 || sort === 'none') return byGroup;
    return compareSpecifiers(a.item.specifier, b.item.specifier);
  });
  return ordered;
}

/**
 * Prints a chunk: one item per line, each reusing its original text; one
 * blank line between non-empty groups, none inside a group.
 */
export function printChunk(text: string, chunk: Chunk, ordered: readonly GroupedItem[], eol: string): string {
  let out = '';
  let previous: ImportGroup | undefined;
  for (const { item, group } of ordered) {
    if (previous !== undefined) out += (group === previous ? eol : eol + eol) + chunk.indent;
    out += printItem(text, item, eol);
    previous = group;
  }
  return out;
}

/** An item's text: its leading comments one per line, then the statement and same-line comments verbatim. */
function printItem(text: string, item: ChunkItem, eol: string): string {
  let out = '';
  let position = item.start;
  for (const comment of item.leading) {
    if (comment.start > position) out += normalizeGap(text, position, comment.start, eol);
    out += text.slice(comment.start, comment.end);
    position = comment.end;
  }
  if (item.statement[0] > position) out += normalizeGap(text, position, item.statement[0], eol);
  return out + text.slice(item.statement[0], item.end);
}

/**
 * Whitespace between two tokens of one item: kept when on one line;
 * otherwise one line break in the file's style, keeping the trailing blanks
 * before it and the indentation after it.
 */
function normalizeGap(text: string, start: number, end: number, eol: string): string {
  if (!hasLineBreak(text, start, end)) return text.slice(start, end);
  let firstBreak = start;
  while (!isLineBreak(text.charCodeAt(firstBreak))) firstBreak++;
  let lastBreak = end - 1;
  while (!isLineBreak(text.charCodeAt(lastBreak))) lastBreak--;
  return text.slice(start, firstBreak) + eol + text.slice(lastBreak + 1, end);
}

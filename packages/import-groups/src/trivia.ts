/** A comment found between two statements. */
export interface Comment {
  readonly start: number;
  readonly end: number;
}

/**
 * The comments in `text[start, end)`, a stretch that should hold only
 * whitespace and comments. Returns `null` when it holds anything else, in
 * which case the caller treats the stretch as a barrier (never moves
 * anything across it).
 */
export function scanTrivia(text: string, start: number, end: number): Comment[] | null {
  const comments: Comment[] = [];
  let i = start;
  while (i < end) {
    const code = text.charCodeAt(i);
    if (isWhitespace(code)) {
      i++;
      continue;
    }
    if (code === 0x2f /* / */ && i + 1 < end) {
      const next = text.charCodeAt(i + 1);
      if (next === 0x2f) {
        let j = i + 2;
        while (j < end && !isLineBreak(text.charCodeAt(j))) j++;
        comments.push({ start: i, end: j });
        i = j;
        continue;
      }
      if (next === 0x2a /* * */) {
        const close = text.indexOf('*/', i + 2);
        if (close === -1 || close + 2 > end) return null;
        comments.push({ start: i, end: close + 2 });
        i = close + 2;
        continue;
      }
    }
    return null;
  }
  return comments;
}

/** Where the first statement may start: after a BOM and a shebang line. */
export function programStart(text: string): number {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.startsWith('#!', i)) {
    while (i < text.length && !isLineBreak(text.charCodeAt(i))) i++;
  }
  return i;
}

export function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

function isWhitespace(code: number): boolean {
  return (
    code === 0x20 ||
    code === 0x09 ||
    isLineBreak(code) ||
    code === 0x0b ||
    code === 0x0c ||
    code === 0xa0 ||
    code === 0xfeff ||
    (code > 0x7f && /\s/.test(String.fromCharCode(code)))
  );
}

/** Number of line breaks in `text[start, end)`; CRLF counts once. */
export function countLineBreaks(text: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0d) {
      count++;
      if (text.charCodeAt(i + 1) === 0x0a && i + 1 < end) i++;
    } else if (isLineBreak(code)) {
      count++;
    }
  }
  return count;
}

/** Whether `text[start, end)` contains a line break. */
export function hasLineBreak(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (isLineBreak(text.charCodeAt(i))) return true;
  return false;
}

/** The line ending a file uses: that of its first line break, LF when it has none. */
export function detectEol(text: string): '\n' | '\r\n' {
  const lf = text.indexOf('\n');
  return lf > 0 && text.charCodeAt(lf - 1) === 0x0d ? '\r\n' : '\n';
}

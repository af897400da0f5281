import { SqlgenError } from './errors.js';
import type { SqlgenProblem } from './errors.js';

/** What a query returns, as sqlc's annotations name it. */
export type QueryCommand = 'one' | 'many' | 'exec' | 'execrows';

/** A parameter of a query: `@name`, `sqlc.arg(name)`, `sqlc.narg(name)` or `$n`. */
export interface ParsedParam {
  /** snake_case name from the SQL (`argN` for a positional `$N`). */
  name: string;
  /** 1-based position in the rewritten SQL (`$index`). */
  index: number;
  /** Only `sqlc.narg(name)` parameters accept null. */
  nullable: boolean;
}

/** One annotated query of a `queries/*.sql` file. */
export interface ParsedQuery {
  name: string;
  command: QueryCommand;
  file: string;
  /** 1-based line of the `-- name:` annotation. */
  line: number;
  /** The comment lines directly above the annotation, without `--`. */
  doc: string[];
  /** The SQL as written (between the annotation and the next query). */
  source: string;
  /** 1-based file line where `source` starts. */
  sourceLine: number;
  /** The SQL sent to PostgreSQL: named parameters replaced by `$n`. */
  sql: string;
  params: ParsedParam[];
  /** Maps an offset in `sql` back to one in `source`. */
  sourceOffset(sqlOffset: number): number;
}

const ANNOTATION = /^--\s*name:\s*(\S+)\s+:(\S+)\s*$/;
const LOOSE_ANNOTATION = /^--\s*name:/;
const COMMANDS: readonly QueryCommand[] = ['one', 'many', 'exec', 'execrows'];
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Splits one queries file into annotated queries and rewrites their
 * parameters to `$n`. Throws `SQLGEN_ANNOTATION_INVALID` naming `file:line`.
 *
 * @example
 * parseQueryFile('users.sql', '-- name: GetUser :one\nSELECT * FROM users WHERE id = @id;\n');
 * // [{ name: 'GetUser', command: 'one', sql: 'SELECT * FROM users WHERE id = $1', params: [{ name: 'id', index: 1, nullable: false }], ... }]
 */
export function parseQueryFile(file: string, text: string): ParsedQuery[] {
  const lines = text.split(/\r?\n/);
  const problems: SqlgenProblem[] = [];
  const starts: Array<{ line: number; name: string; command: QueryCommand; doc: string[]; docStart: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!LOOSE_ANNOTATION.test(line)) continue;
    const match = ANNOTATION.exec(line);
    const command = match?.[2] as QueryCommand | undefined;
    if (!match || !command || !COMMANDS.includes(command) || !/^[A-Z][A-Za-z0-9]*$/.test(match[1]!)) {
      problems.push({
        code: 'SQLGEN_ANNOTATION_INVALID',
        file,
        line: i + 1,
        message: `expected "-- name: PascalCaseName :one|:many|:exec|:execrows", got "${line}"`,
      });
      continue;
    }
    let docStart = i;
    while (docStart > 0 && /^\s*--/.test(lines[docStart - 1]!) && !LOOSE_ANNOTATION.test(lines[docStart - 1]!.trim())) docStart--;
    const doc = lines.slice(docStart, i).map((l) => l.trim().replace(/^--\s?/, ''));
    starts.push({ line: i + 1, name: match[1]!, command, doc, docStart });
  }
  if (problems.length === 0 && starts.length === 0 && text.trim() !== '') {
    problems.push({ code: 'SQLGEN_ANNOTATION_INVALID', file, line: 1, message: 'no "-- name: X :cmd" annotation in a non-empty file' });
  }
  const queries: ParsedQuery[] = [];
  starts.forEach((start, n) => {
    const end = n + 1 < starts.length ? starts[n + 1]!.docStart : lines.length;
    const bodyLines = lines.slice(start.line, end);
    const source = bodyLines.join('\n').replace(/\s+$/, '').replace(/;$/, '').replace(/\s+$/, '');
    if (source.trim() === '') {
      problems.push({ code: 'SQLGEN_ANNOTATION_INVALID', file, line: start.line, query: start.name, message: `query ${start.name} has no SQL` });
      return;
    }
    try {
      const rewritten = rewriteParams(source);
      queries.push({ ...start, file, source, sourceLine: start.line + 1, ...rewritten });
    } catch (error) {
      if (!(error instanceof ParamError)) throw error;
      const line = start.line + 1 + countNewlines(source, error.offset);
      problems.push({ code: 'SQLGEN_ANNOTATION_INVALID', file, line, query: start.name, message: error.message });
    }
  });
  const seen = new Map<string, number>();
  for (const q of queries) {
    const before = seen.get(q.name);
    if (before !== undefined) {
      problems.push({ code: 'SQLGEN_ANNOTATION_INVALID', file, line: q.line, query: q.name, message: `query name ${q.name} is already used at line ${before}` });
    }
    seen.set(q.name, q.line);
  }
  if (problems.length > 0) {
    throw new SqlgenError('SQLGEN_ANNOTATION_INVALID', problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'), { problems });
  }
  return queries;
}

class ParamError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function countNewlines(text: string, upTo: number): number {
  let count = 0;
  for (let i = 0; i < upTo && i < text.length; i++) if (text[i] === '\n') count++;
  return count;
}

interface Replacement {
  outStart: number;
  outLength: number;
  srcStart: number;
  srcLength: number;
}

/**
 * Replaces `@name`, `sqlc.arg(name)` and `sqlc.narg(name)` by `$n` (one
 * number per distinct name, in order of first use), skipping string
 * literals, quoted identifiers, dollar quotes and comments. A query uses
 * either named or positional (`$1`) parameters, never both.
 */
function rewriteParams(source: string): Pick<ParsedQuery, 'sql' | 'params' | 'sourceOffset'> {
  const params: ParsedParam[] = [];
  const byName = new Map<string, ParsedParam>();
  const replacements: Replacement[] = [];
  let out = '';
  let positional = 0;
  let named = false;
  let i = 0;
  const use = (name: string, nullable: boolean, srcStart: number, srcLength: number) => {
    let param = byName.get(name);
    if (!param) {
      param = { name, index: params.length + 1, nullable };
      byName.set(name, param);
      params.push(param);
    } else if (param.nullable !== nullable) {
      throw new ParamError(`parameter ${name} is used both as sqlc.narg (nullable) and as non-null`, srcStart);
    }
    const text = `$${param.index}`;
    replacements.push({ outStart: out.length, outLength: text.length, srcStart, srcLength });
    out += text;
    named = true;
    i = srcStart + srcLength;
  };
  while (i < source.length) {
    const rest = source.slice(i);
    const ch = source[i]!;
    if (rest.startsWith('--')) {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      out += source.slice(i, stop);
      i = stop;
    } else if (rest.startsWith('/*')) {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop);
      i = stop;
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < source.length) {
        if (source[j] === ch && source[j + 1] === ch) j += 2;
        else if (source[j] === ch) break;
        else j++;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(rest)) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest)![0];
      const end = source.indexOf(tag, i + tag.length);
      const stop = end === -1 ? source.length : end + tag.length;
      out += source.slice(i, stop);
      i = stop;
    } else if (ch === '$' && /^\$\d+/.test(rest)) {
      const digits = /^\$(\d+)/.exec(rest)![1]!;
      positional = Math.max(positional, Number(digits));
      out += `$${digits}`;
      i += 1 + digits.length;
    } else if (/^sqlc\.n?arg\s*\(/i.test(rest)) {
      const match = /^sqlc\.(n?arg)\s*\(\s*'?([A-Za-z_][A-Za-z0-9_]*)'?\s*\)/i.exec(rest);
      if (!match) throw new ParamError('malformed sqlc.arg/sqlc.narg: expected sqlc.narg(name)', i);
      use(match[2]!, match[1]!.toLowerCase() === 'narg', i, match[0].length);
    } else if (ch === '@' && IDENT.test(source.slice(i + 1)) && !/[A-Za-z0-9_@]/.test(source[i - 1] ?? ' ')) {
      const name = IDENT.exec(source.slice(i + 1))![0];
      use(name, false, i, name.length + 1);
    } else if (/[A-Za-z_]/.test(ch)) {
      // A whole word at once, so "x@y" style operators inside names never match.
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(rest)![0];
      out += word;
      i += word.length;
    } else {
      out += ch;
      i++;
    }
  }
  if (named && positional > 0) throw new ParamError('a query uses either named (@name) or positional ($1) parameters, not both', 0);
  for (let n = 1; n <= positional; n++) params.push({ name: `arg${n}`, index: n, nullable: false });
  const sourceOffset = (sqlOffset: number): number => {
    let shift = 0;
    for (const r of replacements) {
      if (sqlOffset < r.outStart) break;
      if (sqlOffset < r.outStart + r.outLength) return r.srcStart;
      shift += r.srcLength - r.outLength;
    }
    return sqlOffset + shift;
  };
  return { sql: out, params, sourceOffset };
}

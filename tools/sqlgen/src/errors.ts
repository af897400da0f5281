/** Stable codes of every error sqlgen throws. */
export type SqlgenErrorCode =
  | 'SQLGEN_ANNOTATION_INVALID'
  | 'SQLGEN_QUERY_INVALID'
  | 'SQLGEN_TYPE_UNSUPPORTED'
  | 'SQLGEN_SCHEMA_FAILED'
  | 'SQLGEN_STALE';

/** Where in a queries file a problem is: 1-based line and column. */
export interface SqlLocation {
  file: string;
  line: number;
  column?: number;
}

/**
 * An error of `@coder/sqlgen`. `message` starts with `file:line[:column]` when
 * the problem is in a query file, so editors and terminals link to it.
 *
 * @example
 * try { await generate(config) } catch (e) {
 *   if (e instanceof SqlgenError && e.code === 'SQLGEN_QUERY_INVALID') console.error(e.message);
 * }
 */
export class SqlgenError extends Error {
  override readonly name = 'SqlgenError';
  readonly code: SqlgenErrorCode;
  /** Every problem found, when several were collected before failing. */
  readonly problems: readonly SqlgenProblem[];

  constructor(code: SqlgenErrorCode, message: string, options?: { cause?: unknown; problems?: SqlgenProblem[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options?.problems ?? [];
  }
}

/** One problem in one query. `sqlState` is PostgreSQL's code when it refused the query. */
export interface SqlgenProblem extends SqlLocation {
  code: SqlgenErrorCode;
  query?: string;
  message: string;
  sqlState?: string;
}

export function formatLocation(loc: SqlLocation): string {
  return `${loc.file}:${loc.line}${loc.column === undefined ? '' : `:${loc.column}`}`;
}

/** Stable codes of {@link CodemodError}. */
export type CodemodErrorCode =
  /** The file does not parse; it is left untouched. */
  | 'CODEMOD_PARSE_FAILED'
  /** The file cannot be read or written. */
  | 'CODEMOD_IO_FAILED'
  /** A command-line argument or option is wrong (exit code 2). */
  | 'CODEMOD_BAD_ARGUMENTS'
  /** A worker thread died. */
  | 'CODEMOD_WORKER_FAILED';

/**
 * The error class of the codemods package.
 *
 * @example
 * if (error instanceof CodemodError && error.code === 'CODEMOD_PARSE_FAILED') skip(file);
 */
export class CodemodError extends Error {
  override readonly name = 'CodemodError';
  readonly code: CodemodErrorCode;

  constructor(code: CodemodErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Stable codes of {@link ImportGroupsError}. Callers branch on these, never on message text. */
export type ImportGroupsErrorCode =
  /** An option has the wrong shape (for example `sort: 'random'`). */
  | 'IMPORT_GROUPS_INVALID_OPTIONS'
  /** The `tsconfig` option names a file that cannot be read or parsed. */
  | 'IMPORT_GROUPS_TSCONFIG_UNREADABLE'
  /** The edits handed to {@link applyEdits} overlap or fall outside the text. */
  | 'IMPORT_GROUPS_INVALID_EDITS';

/**
 * The one error class of the engine.
 *
 * @example
 * try {
 *   resolveOptions({ sort: 'random' as never });
 * } catch (error) {
 *   if (error instanceof ImportGroupsError && error.code === 'IMPORT_GROUPS_INVALID_OPTIONS') {
 *     // report the bad configuration
 *   }
 * }
 */
export class ImportGroupsError extends Error {
  override readonly name = 'ImportGroupsError';
  readonly code: ImportGroupsErrorCode;

  constructor(code: ImportGroupsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { DEFAULT_EXTENSIONS } from './files.js';
import type { FileResult } from './process-file.js';
import { runImportGroups } from './run.js';
import type { RunResult } from './run.js';

/** Exit codes: 0 nothing failed, 1 some files failed, 2 bad arguments. */
export const EXIT_OK = 0;
export const EXIT_FILES_FAILED = 1;
export const EXIT_BAD_ARGUMENTS = 2;

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean | undefined };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean | undefined };
  readonly cwd: string;
}

interface ImportGroupsFlags {
  dry?: boolean;
  print?: boolean;
  json?: boolean;
  internal?: string[];
  tsconfig?: string | false;
  builtin?: string[];
  sort?: 'none' | 'alphabetical';
  extensions?: string[];
  jobs?: number;
}

/**
 * The `coder-codemod` command line. Resolves to the exit code.
 *
 * @example
 * process.exitCode = await main(['node', 'coder-codemod', 'import-groups', '--dry', 'src']);
 */
export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command()
    .name('coder-codemod')
    .description('One-off codemods for this repository.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError();

  program
    .command('import-groups')
    .description(
      'Lay out imports in three groups (built-in, third-party, own code), as the @coder/import-groups ESLint rule does.',
    )
    .argument('[paths...]', 'files and folders (.gitignore honoured; node_modules and build output skipped)', ['.'])
    .option('--dry', 'report only, write nothing')
    .option('--print', 'print the new text of changed files')
    .option('--json', 'print the summary as JSON')
    .option('--internal <prefixes>', 'own-code prefixes, comma-separated (default "@coder/")', list)
    .option('--tsconfig <path|false>', 'tsconfig whose paths are own code (default: nearest tsconfig.json)', tsconfig)
    .option('--builtin <names>', 'extra built-ins, comma-separated, "*" allowed (e.g. "bun,bun:*")', list)
    .addOption(
      new Option('--sort <order>', 'order inside a group').choices(['none', 'alphabetical']).default('none'),
    )
    .option('--extensions <list>', `file extensions to walk for (default "${DEFAULT_EXTENSIONS.join(',')}")`, extensionList)
    .option('--jobs <n>', 'worker threads (default: 1 per 10,000 files, at most 1 per core)', positiveInteger)
    .action(async (paths: string[], flags: ImportGroupsFlags) => {
      exitCode = await importGroups(paths, flags, io);
    });

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_ARGUMENTS;
    }
    throw error;
  }
  return exitCode;
}

async function importGroups(paths: string[], flags: ImportGroupsFlags, io: CliIo): Promise<number> {
  if (!flags.dry) warnOnDirtyTree(io);
  const showBar = io.stderr.isTTY === true && !flags.json;
  const bar = showBar
    ? new SingleBar({
        stream: io.stderr,
        format: 'import-groups [{bar}] {percentage}% | {value}/{total} files | {eta_formatted}',
        hideCursor: true,
        clearOnComplete: true,
      })
    : undefined;
  let done = 0;
  const result = await runImportGroups(paths, {
    dry: flags.dry,
    print: flags.print,
    internal: flags.internal,
    tsconfig: flags.tsconfig,
    builtin: flags.builtin,
    sort: flags.sort,
    extensions: flags.extensions,
    jobs: flags.jobs,
    cwd: io.cwd,
    onStart: (total) => bar?.start(total, 0),
    onFile: () => bar?.update(++done),
  });
  bar?.stop();

  if (result.error) {
    io.stderr.write(`coder-codemod: ${result.error.message}\n`);
    return EXIT_BAD_ARGUMENTS;
  }
  const relative = (file: string): string => path.relative(io.cwd, file) || file;
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(toJson(result, relative, flags), null, 2)}\n`);
  } else {
    if (flags.print) {
      for (const file of result.results) {
        if (file.status === 'changed' && file.output !== undefined) io.stdout.write(`==> ${relative(file.path)} <==\n${file.output}`);
      }
    }
    for (const file of result.results) {
      if (file.status === 'failed') io.stderr.write(`failed: ${relative(file.path)}: ${file.error?.message ?? 'unknown error'}\n`);
    }
    const { scanned, changed, unchanged, skipped, failed, durationMs } = result.summary;
    io.stdout.write(
      `import-groups: ${scanned} files scanned in ${(durationMs / 1000).toFixed(2)} s: ` +
        `${changed} ${flags.dry ? 'would change' : 'changed'}, ${unchanged} unchanged, ${skipped} skipped, ${failed} failed\n`,
    );
  }
  return result.summary.failed > 0 ? EXIT_FILES_FAILED : EXIT_OK;
}

function toJson(result: RunResult, relative: (file: string) => string, flags: ImportGroupsFlags): object {
  const pick = (status: FileResult['status']): FileResult[] => result.results.filter((file) => file.status === status);
  return {
    ...result.summary,
    dry: flags.dry === true,
    changedFiles: pick('changed').map((file) =>
      flags.print ? { path: relative(file.path), output: file.output } : relative(file.path),
    ),
    failures: pick('failed').map((file) => ({ path: relative(file.path), ...file.error })),
  };
}

/** A codemod rewrites many files: it should start from a clean tree so its diff can be reviewed alone. */
function warnOnDirtyTree(io: CliIo): void {
  let status: string;
  try {
    status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: io.cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return; // not a git repository, or no git
  }
  if (status.trim() !== '') {
    io.stderr.write(
      'warning: the git working tree has uncommitted changes; commit or stash them first to review the codemod alone.\n',
    );
  }
}

function list(value: string, previous: string[] | undefined): string[] {
  const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return [...(previous ?? []), ...items];
}

function extensionList(value: string, previous: string[] | undefined): string[] {
  return list(value, previous).map((extension) => extension.replace(/^\./, ''));
}

function tsconfig(value: string): string | false {
  if (value === 'false') return false;
  if (value === '') throw new InvalidArgumentError('expected a path or "false"');
  return value;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive integer');
  return number;
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() };
}

// `node src/cli.ts` (with tsx) runs the CLI; the bin shim calls main() itself.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv);
}

import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { ImportGroupsError, readTsconfigPaths, validateOptions } from '@coder/import-groups';
import type { ImportGroupsOptions } from '@coder/import-groups';
import { CodemodError } from './errors.js';
import { DEFAULT_EXTENSIONS, findFiles } from './files.js';
import { processFile } from './process-file.js';
import type { FileResult, ProcessOptions } from './process-file.js';

/** Options of {@link runImportGroups}. */
export interface RunOptions extends ImportGroupsOptions {
  /** Report only, write nothing. */
  readonly dry?: boolean | undefined;
  /** Keep the new text of changed files in the results (`--print`). */
  readonly print?: boolean | undefined;
  /** Extensions to walk directories for. Default {@link DEFAULT_EXTENSIONS}. */
  readonly extensions?: readonly string[] | undefined;
  /** Base of relative paths and of a relative `tsconfig`. Default `process.cwd()`. */
  readonly cwd?: string | undefined;
  /**
   * Worker threads. Default: one per {@link FILES_PER_WORKER} files, at most
   * one per core ({@link DEFAULT_JOBS}); fewer files run in this thread.
   */
  readonly jobs?: number | undefined;
  /** Called once the files are known. */
  readonly onStart?: ((total: number) => void) | undefined;
  /** Called after each file. */
  readonly onFile?: ((result: FileResult) => void) | undefined;
}

/** Counts of a run. */
export interface RunSummary {
  readonly scanned: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly durationMs: number;
}

/** Per-file results and the summary; `error` set when the run could not start (bad arguments). */
export interface RunResult {
  readonly error?: CodemodError | undefined;
  readonly results: readonly FileResult[];
  readonly summary: RunSummary;
}

/** The most worker threads a run starts by default: every core. */
export const DEFAULT_JOBS = availableParallelism();

/**
 * Files a worker thread must have to pay for itself. Each worker loads
 * TypeScript and warms up its own JIT (about a second of CPU), while one
 * thread lays out about 2,000 files per second once warm. Measured on 8,064
 * rxjs files on a shared 2-core machine: 1 thread 2.6–3.1 s of CPU and 5.0–6.8 s
 * wall, 2 workers 4.2–5.2 s of CPU and 6.5–11.7 s wall. So a run stays in one
 * thread unless each core gets many thousands of files.
 */
export const FILES_PER_WORKER = 10_000;

/** Below this many files, worker start-up costs more than it saves: run in the main thread. */
export const IN_PROCESS_LIMIT = 40;

/**
 * The worker threads a run of `files` files uses by default: one per
 * {@link FILES_PER_WORKER} files, at most {@link DEFAULT_JOBS}; 1 means this thread.
 *
 * @example
 * defaultJobs(2_000); // 1
 */
export function defaultJobs(files: number): number {
  return Math.max(1, Math.min(DEFAULT_JOBS, Math.floor(files / FILES_PER_WORKER)));
}

/**
 * Runs the import-groups codemod over files and folders, on worker threads
 * when there are enough files to pay for them ({@link defaultJobs}). Never
 * throws for a file: failures are per-file results.
 *
 * Why not jscodeshift's Runner: it reports per-file outcomes only as coloured
 * lines on stdout and returns bare counters, so a JSON summary, the list of
 * files that failed with the parser's message, and a progress bar would mean
 * scraping its output; it also forks `cpus - 1` child processes and re-reads
 * `.gitignore` only at the working directory. The pool below is small: it
 * hands batches of paths to worker threads that call the very same transform
 * (`transformImportGroups`, which the jscodeshift transform wraps).
 *
 * @example
 * const { summary, results } = await runImportGroups(['.'], { dry: true });
 * console.log(`${summary.changed} files would change`);
 */
export async function runImportGroups(paths: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const transform: ImportGroupsOptions = {
    internal: options.internal,
    builtin: options.builtin,
    sort: options.sort,
    tsconfig: options.tsconfig,
  };
  let files: string[];
  try {
    validateOptions(transform);
    if (typeof transform.tsconfig === 'string') readTsconfigPaths(transform.tsconfig, { cwd });
    files = await findFiles(paths, { extensions: options.extensions ?? DEFAULT_EXTENSIONS, cwd });
  } catch (error) {
    const codemodError =
      error instanceof CodemodError
        ? error
        : new CodemodError(
            'CODEMOD_BAD_ARGUMENTS',
            error instanceof ImportGroupsError ? error.message : `Cannot start: ${(error as Error).message}`,
            { cause: error },
          );
    return { error: codemodError, results: [], summary: summarize([], started) };
  }
  options.onStart?.(files.length);
  const processOptions: ProcessOptions = { transform, dry: options.dry ?? false, print: options.print ?? false, cwd };
  const jobs = Math.max(1, Math.min(options.jobs ?? defaultJobs(files.length), files.length));
  const results =
    jobs === 1 || files.length <= IN_PROCESS_LIMIT
      ? runInProcess(files, processOptions, options.onFile)
      : await runInWorkers(files, processOptions, jobs, options.onFile);
  results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { results, summary: summarize(results, started) };
}

function runInProcess(
  files: readonly string[],
  options: ProcessOptions,
  onFile: RunOptions['onFile'],
): FileResult[] {
  const results: FileResult[] = [];
  for (const file of files) {
    const result = processFile(file, options);
    results.push(result);
    onFile?.(result);
  }
  return results;
}

function runInWorkers(
  files: readonly string[],
  options: ProcessOptions,
  jobs: number,
  onFile: RunOptions['onFile'],
): Promise<FileResult[]> {
  // Small batches keep every worker busy to the end; large enough to keep
  // messages few.
  const batchSize = Math.max(1, Math.min(64, Math.ceil(files.length / (jobs * 8))));
  const spawn = workerFactory();
  const results: FileResult[] = [];
  let next = 0;
  const take = (): string[] => files.slice(next, (next += batchSize));

  return new Promise((resolve) => {
    let running = jobs;
    for (let i = 0; i < jobs; i++) {
      const worker = spawn(options);
      let inFlight = take();
      worker.on('message', (batch: FileResult[]) => {
        for (const result of batch) {
          results.push(result);
          onFile?.(result);
        }
        inFlight = take();
        worker.postMessage(inFlight);
      });
      worker.on('error', (error) => {
        for (const file of inFlight) {
          const result: FileResult = {
            path: file,
            status: 'failed',
            error: { code: 'CODEMOD_WORKER_FAILED', message: error.message },
          };
          results.push(result);
          onFile?.(result);
        }
        inFlight = [];
      });
      worker.on('exit', () => {
        running--;
        if (running > 0) return;
        // Only if every worker died early: whatever is left fails.
        for (let file = take(); file.length > 0; file = take()) {
          for (const path of file) {
            const result: FileResult = { path, status: 'failed', error: { code: 'CODEMOD_WORKER_FAILED', message: 'no worker left' } };
            results.push(result);
            onFile?.(result);
          }
        }
        resolve(results);
      });
      worker.postMessage(inFlight);
    }
  });
}

/**
 * Built code runs `worker.js`. Tests and `tsx` runs use the TypeScript
 * sources: worker threads on Node 20 do not inherit the parent's `--import`
 * hooks, so the worker first loads tsx, then `worker.ts`.
 */
function workerFactory(): (options: ProcessOptions) => Worker {
  if (!import.meta.url.endsWith('.ts')) {
    const url = new URL('./worker.js', import.meta.url);
    return (options) => new Worker(url, { workerData: options });
  }
  const tsx = import.meta.resolve('tsx/esm/api');
  const worker = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}); });`;
  return (options) => new Worker(code, { eval: true, workerData: options });
}

function summarize(results: readonly FileResult[], started: number): RunSummary {
  const count = (status: FileResult['status']): number => results.filter((result) => result.status === status).length;
  return {
    scanned: results.length,
    changed: count('changed'),
    unchanged: count('unchanged'),
    skipped: count('skipped'),
    failed: count('failed'),
    durationMs: Math.round(performance.now() - started),
  };
}

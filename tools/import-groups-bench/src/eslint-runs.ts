import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { eslintBin, eslintConfig } from './contenders.js';
import type { EslintContender } from './contenders.js';
import { runTimed } from './run-process.js';

/** One `TIMING=all eslint .` run with one contender's rule. */
export interface LintRun {
  /** ESLint's TIMING figure for the rule, ms. */
  readonly ruleMs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Problems the rule reported (exit code 1 when any). */
  readonly reported: boolean;
}

/** One `eslint --fix .` run with one contender's rule. */
export interface FixRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Files ESLint linted. */
  readonly files: number;
  /** Files whose text the fix changed. */
  readonly fixedFiles: number;
  /** Fix passes ESLint's loop made on the file that needed most (its cap is 10). */
  readonly maxPasses: number;
  /** Files still holding fixable problems when ESLint stopped (did not settle in 10 passes). */
  readonly unsettled: number;
  /** Problems left after the fix (fixable or not). */
  readonly left: number;
  /** Files that failed to parse. */
  readonly fatal: number;
}

const COUNT_PASSES = fileURLToPath(new URL('./count-fix-passes.mjs', import.meta.url));

/**
 * `TIMING=all eslint .` in `directory` with only the contender's rule on:
 * ESLint's own per-rule time (the time spent in the rule's listeners).
 */
export function lintWithTiming(contender: EslintContender, directory: string): LintRun {
  writeFileSync(path.join(directory, 'eslint.config.mjs'), eslintConfig(contender));
  const run = runTimed(process.execPath, [eslintBin(), '--output-file', path.join(directory, '.eslint-out.txt'), '**/*.ts'], {
    cwd: directory,
    env: { TIMING: 'all' },
  });
  rmSync(path.join(directory, '.eslint-out.txt'), { force: true });
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint (${contender.name}) exited ${run.status}: ${run.stderr}`);
  const ruleMs = parseTiming(run.stdout).get(`${contender.namespace}/${contender.rule}`);
  if (ruleMs === undefined) throw new Error(`eslint (${contender.name}) printed no TIMING row for its rule:\n${run.stdout}`);
  return { ruleMs, wallMs: run.wallMs, cpuMs: run.cpuMs, reported: run.status === 1 };
}

/**
 * `eslint --fix .` in `directory` (a fresh copy: it is rewritten) with only
 * the contender's rule on; a preloaded hook counts the passes of ESLint's
 * fix loop per file.
 */
export function fixWithEslint(contender: EslintContender, directory: string): FixRun {
  writeFileSync(path.join(directory, 'eslint.config.mjs'), eslintConfig(contender));
  const passesFile = path.join(directory, '.passes.json');
  const run = runTimed(
    process.execPath,
    ['--import', COUNT_PASSES, eslintBin(), '--fix', '--output-file', path.join(directory, '.eslint-out.txt'), '**/*.ts'],
    { cwd: directory, env: { IMPORT_GROUPS_BENCH_PASSES_OUT: passesFile } },
  );
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint --fix (${contender.name}) exited ${run.status}: ${run.stderr}`);
  const files = JSON.parse(readFileSync(passesFile, 'utf8')) as Array<{
    passes: number;
    leftFixable: number;
    left: number;
    fatal: boolean;
  }>;
  rmSync(passesFile, { force: true });
  rmSync(path.join(directory, '.eslint-out.txt'), { force: true });
  return {
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    files: files.length,
    fixedFiles: files.filter((file) => file.passes > 0).length,
    maxPasses: Math.max(0, ...files.map((file) => file.passes)),
    unsettled: files.filter((file) => file.leftFixable > 0).length,
    left: files.reduce((sum, file) => sum + file.left, 0),
    fatal: files.filter((file) => file.fatal).length,
  };
}

/**
 * Rows of ESLint's TIMING table (`Rule | Time (ms) | Relative`), by rule.
 *
 * @example
 * parseTiming('Rule | Time (ms) | Relative\n:---|---:|---:\nimport/order | 812.5 | 100.0%');
 * // Map { 'import/order' => 812.5 }
 */
export function parseTiming(stdout: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const match = /^\s*(\S+)\s*\|\s*([\d.]+)\s*\|\s*[\d.]+%\s*$/.exec(line);
    if (match) rows.set(match[1]!, Number(match[2]));
  }
  return rows;
}

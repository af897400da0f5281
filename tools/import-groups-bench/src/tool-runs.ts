import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { changedFiles, snapshot } from './corpus.js';
import { biomeBin, biomeConfig, codemodBin } from './contenders.js';
import { runTimed } from './run-process.js';

/** Caps the runs a tool gets to settle (as ESLint caps its fix loop). */
export const MAX_PASSES = 10;

/** A tool that rewrites the corpus, run until a run changes nothing. */
export interface SettleRun {
  /** The first run: wall and CPU time, files it changed. */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly changed: number;
  /** Runs that changed something before one changed nothing (at most {@link MAX_PASSES}). */
  readonly passes: number;
  /** Whether a run changed nothing within {@link MAX_PASSES}. */
  readonly settled: boolean;
}

/**
 * `coder-codemod import-groups --extensions ts .` in `directory` (rewritten),
 * then again until a run changes nothing.
 */
export function runCodemod(directory: string): SettleRun {
  const once = (): { wallMs: number; cpuMs: number; changed: number } => {
    const run = runTimed(process.execPath, [codemodBin(), 'import-groups', '--json', '--extensions', 'ts', '.'], {
      cwd: directory,
    });
    if (run.status !== 0) throw new Error(`coder-codemod exited ${run.status}: ${run.stderr}`);
    const summary = JSON.parse(run.stdout) as { changed: number; failed: number };
    if (summary.failed > 0) throw new Error(`coder-codemod failed on ${summary.failed} files`);
    return { wallMs: run.wallMs, cpuMs: run.cpuMs, changed: summary.changed };
  };
  return settle(once);
}

/**
 * Biome's organize-imports (`biome check --write`, formatter and linter
 * off) in `directory` (rewritten), then again until a run changes nothing.
 */
export function runBiome(directory: string): SettleRun {
  writeFileSync(path.join(directory, 'biome.json'), biomeConfig());
  const once = (): { wallMs: number; cpuMs: number; changed: number } => {
    const before = snapshot(directory);
    const run = runTimed(
      biomeBin(),
      ['check', '--write', '--formatter-enabled=false', '--linter-enabled=false', '--max-diagnostics=0', '.'],
      { cwd: directory },
    );
    if (run.status !== 0 && run.status !== 1) throw new Error(`biome exited ${run.status}: ${run.stderr}${run.stdout}`);
    return { wallMs: run.wallMs, cpuMs: run.cpuMs, changed: changedFiles(before, snapshot(directory)) };
  };
  return settle(once);
}

function settle(once: () => { wallMs: number; cpuMs: number; changed: number }): SettleRun {
  const first = once();
  let passes = first.changed > 0 ? 1 : 0;
  let settled = first.changed === 0;
  while (!settled && passes < MAX_PASSES) {
    if (once().changed === 0) settled = true;
    else passes++;
  }
  return { ...first, passes, settled };
}

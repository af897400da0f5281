// pnpm bench: the import-groups rule and codemod against the alternatives
// named in issue 3, on the same real corpus, ratios printed in one run. Not
// a timed test: nothing fails on a slow figure.
//
//   IMPORT_GROUPS_BENCH_COPIES  copies of rxjs's sources (default 8: 2,008 files; 1 for a quick run)
//   IMPORT_GROUPS_BENCH_RUNS    runs of the fast tools, median kept (default 3)
import { availableParallelism, loadavg } from 'node:os';

import { DEFAULT_COPIES, createCorpus } from './corpus.js';
import { ESLINT_CONTENDERS } from './contenders.js';
import { fixWithEslint, lintWithTiming } from './eslint-runs.js';
import type { FixRun, LintRun } from './eslint-runs.js';
import { median, ratio, seconds, table } from './report.js';
import { MAX_PASSES, runBiome, runCodemod } from './tool-runs.js';
import type { SettleRun } from './tool-runs.js';

const copies = positive(process.env['IMPORT_GROUPS_BENCH_COPIES'], DEFAULT_COPIES);
const runs = positive(process.env['IMPORT_GROUPS_BENCH_RUNS'], 3);
const log = (text: string): void => void process.stdout.write(`${text}\n`);

const corpus = createCorpus(copies);
try {
  log(`import-groups bench: ${corpus.files} real TypeScript files (rxjs ${copies}×), node ${process.version}, ` +
    `${availableParallelism()} cores, load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);

  const codemod = repeat(runs, (i) => runCodemod(corpus.fresh(`codemod-${i}`)));
  log(`codemod: ${seconds(codemod.wallMs)} s wall, ${codemod.changed} files changed, ${codemod.passes} pass(es)`);
  const biome = repeat(runs, (i) => runBiome(corpus.fresh(`biome-${i}`)));
  log(`biome organize-imports: ${seconds(biome.wallMs)} s wall, ${biome.changed} files changed, ${biome.passes} pass(es)`);

  const lintDirectory = corpus.fresh('lint');
  const lints = new Map<string, LintRun>();
  const fixes = new Map<string, FixRun>();
  for (const contender of ESLINT_CONTENDERS) {
    const lint = lintWithTiming(contender, lintDirectory);
    lints.set(contender.name, lint);
    log(`eslint ${contender.name}: TIMING ${lint.ruleMs.toFixed(0)} ms, run ${seconds(lint.wallMs)} s`);
    const fix = fixWithEslint(contender, corpus.fresh('fix'));
    fixes.set(contender.name, fix);
    log(`eslint --fix ${contender.name}: ${seconds(fix.wallMs)} s, ${fix.fixedFiles} files fixed, at most ${fix.maxPasses} passes`);
  }

  const ours = lints.get(ESLINT_CONTENDERS[0]!.name)!;
  log('');
  log(`The rule's own time: ESLint TIMING=all, one lint run over ${corpus.files} files, one rule on (typescript-eslint parser)`);
  log(
    table(
      ['rule', 'TIMING ms', 'ours ÷ it', 'lint run s', 'rule share', 'groups as configured'],
      ESLINT_CONTENDERS.map((contender) => {
        const lint = lints.get(contender.name)!;
        return [
          contender.name,
          lint.ruleMs.toFixed(1),
          ratio(ours.ruleMs / lint.ruleMs),
          seconds(lint.wallMs),
          `${((100 * lint.ruleMs) / lint.wallMs).toFixed(1)}%`,
          contender.note,
        ];
      }),
    ),
  );

  log('');
  log(`Fixing the corpus: wall time of one run (CPU in brackets), passes to settle (cap ${MAX_PASSES})`);
  const fixRows = ESLINT_CONTENDERS.map((contender) => {
    const fix = fixes.get(contender.name)!;
    return [
      `eslint --fix ${contender.name}`,
      `${seconds(fix.wallMs)} (${seconds(fix.cpuMs)})`,
      (corpus.files / (fix.wallMs / 1000)).toFixed(0),
      `${fix.maxPasses}${fix.unsettled > 0 ? `, ${fix.unsettled} unsettled` : ''}`,
      String(fix.fixedFiles),
      String(fix.left),
      ratio(fix.wallMs / codemod.wallMs),
    ];
  });
  const toolRow = (name: string, run: SettleRun): string[] => [
    name,
    `${seconds(run.wallMs)} (${seconds(run.cpuMs)})`,
    (corpus.files / (run.wallMs / 1000)).toFixed(0),
    `${run.passes}${run.settled ? '' : ', unsettled'}`,
    String(run.changed),
    '-',
    ratio(run.wallMs / codemod.wallMs),
  ];
  log(
    table(
      ['tool', 'wall s (cpu s)', 'files/s', 'passes', 'files changed', 'problems left', 'it ÷ codemod'],
      [toolRow('coder-codemod import-groups', codemod), ...fixRows, toolRow('biome organize-imports', biome)],
    ),
  );

  const simple = lints.get('simple-import-sort')!;
  const slowestNeeded = Math.min(...[...fixes.values()].map((fix) => fix.wallMs));
  log('');
  log('Targets of issue 3 (informative; this machine is shared, CPU time is the steadier figure):');
  log(`  rule time ≤ ½ simple-import-sort's: ${ours.ruleMs.toFixed(0)} ms vs ${simple.ruleMs.toFixed(0)} ms → ${ratio(ours.ruleMs / simple.ruleMs)}`);
  log(`  codemod ≥ 8× faster than any eslint --fix: the fastest of them is ${ratio(slowestNeeded / codemod.wallMs)} slower`);
  log(`  codemod within 3× Biome: ${ratio(codemod.wallMs / biome.wallMs)} Biome's time`);
  log(`  codemod per 2,000 files: ${seconds((codemod.wallMs * 2000) / corpus.files)} s (target ≤ 4.5 s)`);
} finally {
  corpus.dispose();
}

/** Runs a fast tool `count` times on fresh copies; keeps the median times and the first run's counts. */
function repeat(count: number, run: (index: number) => SettleRun): SettleRun {
  const results = Array.from({ length: count }, (_, index) => run(index));
  return {
    ...results[0]!,
    wallMs: median(results.map((result) => result.wallMs)),
    cpuMs: median(results.map((result) => result.cpuMs)),
  };
}

function positive(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

#!/usr/bin/env node
// refresh-storm: many concurrent builds across replicas ask for the same users'
// expired tokens from a real OpenID provider on 127.0.0.1; shows which designs
// spend a refresh token twice. Exit codes: 0 protected held, 1 it did not,
// 2 bad usage, 3 the run itself failed (database, provider).
import { performance } from 'node:perf_hooks';

import { SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { PROVIDER_KINDS } from './providers.js';
import type { ProviderKind } from './providers.js';
import { DEFAULT_STORM, protectedHeld, runStorm } from './storm.js';
import type { ModeResult, StormReport } from './storm.js';
import { MODES } from './strategies.js';
import type { Mode } from './strategies.js';

const EXIT_VIOLATED = 1;
const EXIT_USAGE = 2;
const EXIT_ERROR = 3;

interface CliOptions {
  replicas: number;
  users: number;
  builds: number;
  rounds: number;
  mode: Mode | 'all';
  provider: ProviderKind;
  databaseUrl?: string;
  json?: boolean;
}

function count(max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`expected an integer from 1 to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

function program(): Command {
  return new Command('refresh-storm')
    .description(
      'Many concurrent builds across replicas ask for the same users\' expired tokens from a real OpenID provider on 127.0.0.1.\n' +
        'Compares naive, singleflight and protected token refresh: provider calls, failed builds, broken links, revoked token families.',
    )
    .addOption(new Option('--replicas <n>', 'server replicas (separate refresher instances)').argParser(count(32)).default(DEFAULT_STORM.replicas))
    .addOption(new Option('--users <n>', 'users, each with an expired token').argParser(count(10_000)).default(DEFAULT_STORM.users))
    .addOption(new Option('--builds <n>', 'concurrent builds per user per round').argParser(count(10_000)).default(DEFAULT_STORM.builds))
    .addOption(new Option('--rounds <n>', 'rounds; each expires every token again').argParser(count(1_000)).default(DEFAULT_STORM.rounds))
    .addOption(new Option('--mode <mode>', 'which design to run').choices([...MODES, 'all']).default('all'))
    .addOption(new Option('--provider <kind>', 'provider behaviour: oidc (rotation, family revocation on reuse) or github (HTTP 200 errors)').choices([...PROVIDER_KINDS]).default('oidc'))
    .option('--database-url <url>', 'PostgreSQL server to use (a scratch database is created and dropped); default: embedded PGlite in a temporary directory')
    .option('--json', 'print one JSON document instead of tables; no progress display')
    .addHelpText('after', '\nExit codes: 0 protected kept every invariant, 1 it did not, 2 bad usage, 3 the run failed (database or provider).')
    .exitOverride()
    .showHelpAfterError();
}

async function main(argv: string[]): Promise<number> {
  const cli = program();
  // `pnpm start -- --flag` forwards the `--` itself: drop it.
  const args = argv.slice(2);
  if (args[0] === '--') args.shift();
  try {
    cli.parse(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    throw error;
  }
  const options = cli.opts<CliOptions>();
  const modes = options.mode === 'all' ? MODES : [options.mode];
  const total = modes.length * options.users * options.builds * options.rounds;
  const bar = !options.json && process.stderr.isTTY
    ? new SingleBar({ format: '{mode} |{bar}| {value}/{total} builds | {duration_formatted}', stream: process.stderr, hideCursor: true })
    : undefined;
  bar?.start(total, 0, { mode: modes[0] });

  const started = performance.now();
  let report: StormReport;
  try {
    report = await runStorm({
      ...options,
      modes,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      onBuild: () => bar?.increment(),
      onMode: (mode) => bar?.update({ mode: mode.padEnd(12) }),
    });
  } finally {
    bar?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const protectedRun = report.modes.find((m) => m.mode === 'protected');
  const held = (!protectedRun || protectedHeld(protectedRun)) && report.tokensInLogs === 0 && report.legacyLinkSurvivedRename;

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...report, ok: held, seconds: Math.round(seconds * 10) / 10 }, null, 2)}\n`);
  } else {
    process.stdout.write(render(report, seconds, held, protectedRun));
  }
  return held ? 0 : EXIT_VIOLATED;
}

function render(report: StormReport, seconds: number, held: boolean, protectedRun: ModeResult | undefined): string {
  const rows: Array<[string, (m: ModeResult) => string | number]> = [
    ['provider refresh calls', (m) => `${m.providerRefreshCalls} (expected ${m.expectedRefreshCalls})`],
    ['builds ok', (m) => m.buildsOk],
    ['builds failed', (m) => m.buildsFailed],
    ['  user must re-authenticate', (m) => m.buildsFailedInvalidToken],
    ['  token revoked during build', (m) => m.buildsFailedDeadToken],
    ['  other errors', (m) => m.buildsFailedOther],
    ['links needing re-auth', (m) => `${m.linksNeedingReauth} of ${m.users}`],
    ['token families revoked', (m) => m.familiesRevoked],
    ['token request p50', (m) => `${m.p50Ms} ms`],
    ['token request p99', (m) => `${m.p99Ms} ms`],
    ['time', (m) => `${(m.durationMs / 1000).toFixed(1)} s`],
  ];
  const first = report.modes[0];
  const header = first
    ? `${first.users} users × ${first.buildsPerUser} concurrent builds × ${first.rounds} rounds, ${first.replicas} replicas, provider ${first.provider}, ${report.database.location}\n`
    : '';
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const cells = report.modes.map((m) => rows.map(([, get]) => String(get(m))));
  const widths = report.modes.map((m, i) => Math.max(m.mode.length, ...cells[i]!.map((c) => c.length)));
  const line = (label: string, values: string[]) => `${label.padEnd(labelWidth)}  ${values.map((v, i) => v.padStart(widths[i]!)).join('  ')}\n`;
  let out = `\n${header}\n${line('', report.modes.map((m) => m.mode))}`;
  rows.forEach(([label], r) => {
    out += line(label, cells.map((c) => c[r]!));
  });
  out += `\nlegacy git_auth_links row survived the rename: ${report.legacyLinkSurvivedRename ? 'yes' : 'NO'}`;
  out += `\ntoken values found in logs: ${report.tokensInLogs}`;
  if (protectedRun) {
    out += held
      ? `\nprotected: OK — exactly ${protectedRun.expectedRefreshCalls} provider refreshes (one per user per round), no failed build, no broken link, no revoked family`
      : '\nprotected: FAILED — see the table above';
  }
  return `${out}\nfinished in ${seconds.toFixed(1)} s\n`;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(`refresh-storm: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` [${code}]` : ''}\n`);
    process.exitCode = EXIT_ERROR;
  },
);

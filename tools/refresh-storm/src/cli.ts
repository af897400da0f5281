#!/usr/bin/env node
// refresh-storm: many concurrent builds across replicas ask for the same users'
// expired tokens from a real OpenID provider on 127.0.0.1; shows which designs
// spend a refresh token twice. Exit codes: 0 protected held, 1 it did not,
// 2 bad usage, 3 the run itself failed (database, provider). With --processes
// the replicas are real child processes; --faults kills them mid-refresh,
// drops their connections and stalls their statements.
import { performance } from 'node:perf_hooks';

import { SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { DatabaseError, parseDatabaseUrl } from '@coder/database';
import { PROVIDER_KINDS } from './providers.js';
import type { ProviderKind } from './providers.js';
import { DEFAULT_STORM, StormUsageError, protectedHeld, runStorm } from './storm.js';
import { removeLeftovers } from './storm-database.js';
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
  provider: ProviderKind | 'all';
  databaseUrl?: string;
  processes?: number;
  faults?: boolean;
  seed?: number;
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
    .addOption(
      new Option(
        '--provider <kind>',
        'provider behaviour: oidc (rotation, family revoked on reuse), grace (reuse grace period), static (no rotation), ' +
          'github (HTTP 200 errors, 403 rate limits), flaky (5xx, 429, resets, slow answers), or all of them',
      )
        .choices([...PROVIDER_KINDS, 'all'])
        .default('oidc'),
    )
    .option('--database-url <url>', 'PostgreSQL server to use (a scratch database is created and dropped); default: embedded PGlite in a temporary directory')
    .addOption(new Option('--processes <n>', 'run n replicas as separate Node processes, each with its own pool (needs --database-url; sets --replicas)').argParser(count(32)))
    .option('--faults', 'kill replica processes mid-refresh, drop their database connections, make statements exceed their timeout (needs --processes)')
    .addOption(new Option('--seed <n>', 'seed of the fault schedule, to replay a run').argParser(count(2 ** 31)))
    .option('--json', 'print one JSON document instead of tables; no progress display')
    .addHelpText('after', '\nExit codes: 0 protected kept every invariant, 1 it did not, 2 bad usage, 3 the run failed (database or provider).')
    .exitOverride()
    .showHelpAfterError();
}

function isPostgresUrl(url: string): boolean {
  try {
    return parseDatabaseUrl(url).kind === 'postgres';
  } catch {
    return false;
  }
}

function urlProblem(url: string): string {
  try {
    parseDatabaseUrl(url);
    return '';
  } catch (error) {
    return error instanceof DatabaseError ? `: ${error.message}` : '';
  }
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
  if (options.processes !== undefined) options.replicas = options.processes;
  const usage = options.databaseUrl !== undefined && !isPostgresUrl(options.databaseUrl)
    ? `--database-url must be a postgres:// or postgresql:// URL naming a database (the storm uses embedded PGlite by default)${urlProblem(options.databaseUrl)}`
    : options.processes !== undefined && !options.databaseUrl
      ? '--processes needs --database-url: replica processes cannot share an embedded PGlite database'
      : options.faults && options.processes === undefined
        ? '--faults needs --processes: the faults kill replica processes'
        : undefined;
  if (usage) {
    process.stderr.write(`error: ${usage}\n`);
    return EXIT_USAGE;
  }
  const modes = options.mode === 'all' ? MODES : [options.mode];
  const providerCount = options.provider === 'all' ? PROVIDER_KINDS.length : 1;
  const total = providerCount * modes.length * options.users * options.builds * options.rounds;
  const bar = !options.json && process.stderr.isTTY
    ? new SingleBar({ format: '{mode} |{bar}| {value}/{total} builds | {duration_formatted}', stream: process.stderr, hideCursor: true })
    : undefined;
  bar?.start(total, 0, { mode: modes[0] });

  const started = performance.now();
  let report: StormReport;
  try {
    report = await runStorm({
      replicas: options.replicas,
      users: options.users,
      builds: options.builds,
      rounds: options.rounds,
      provider: options.provider,
      modes,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      ...(options.processes !== undefined ? { processes: true } : {}),
      ...(options.faults ? { faults: true } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      onBuild: () => bar?.increment(),
      onMode: (mode, provider) => bar?.update({ mode: `${provider}/${mode}`.padEnd(19) }),
    });
  } catch (error) {
    if (error instanceof StormUsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  } finally {
    bar?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const protectedRuns = report.modes.filter((m) => m.mode === 'protected');
  const held =
    protectedRuns.every(protectedHeld) && report.tokensInLogs === 0 && !report.keyInLogs && report.plaintextLinksAtRest === 0 && report.legacyLinkSurvivedRename;

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...report, ok: held, seconds: Math.round(seconds * 10) / 10 }, null, 2)}\n`);
  } else {
    process.stdout.write(render(report, seconds, held));
  }
  return held ? 0 : EXIT_VIOLATED;
}

function render(report: StormReport, seconds: number, held: boolean): string {
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
  // The invariants only say more than the rows above when something was injected.
  const detailed = report.faults || report.modes.some((m) => m.faults.length > 0);
  if (detailed) {
    rows.push(
      ['user rounds with calls != 1', (m) => m.invariants.refreshCallsPerUserRound.unexplained],
      ['unavoidable loss (rounds)', (m) => m.invariants.unavoidableLoss.events],
      ['  links lost by it', (m) => m.invariants.unavoidableLoss.linksLost],
      ['invariants held', (m) => (m.invariants.held ? 'yes' : 'NO')],
    );
  }
  const first = report.modes[0];
  const where = report.processes ? `${report.processes} replica processes` : `${first?.replicas ?? 0} replicas`;
  const header = first
    ? `${first.users} users × ${first.buildsPerUser} concurrent builds × ${first.rounds} rounds, ${where}${report.faults ? ', faults injected' : ''}, ${report.database.location}\n` +
      `full Store stack, encryption at rest: ${report.encryption ? `on (AES-256-GCM, key ${report.encryptionKeyId}, random per run)` : 'off'}, authorization on (builds as their user)\n`
    : '';
  let out = `\n${header}`;
  const providers = [...new Set(report.modes.map((m) => m.provider))];
  for (const provider of providers) {
    const modes = report.modes.filter((m) => m.provider === provider);
    out += `\nprovider ${provider}\n${table(rows, modes)}`;
    const faults = modes.flatMap((m) => m.faults.map((f) => ({ mode: m.mode, ...f })));
    if (faults.length) {
      out += '  faults: ' + faults.map((f) => `${f.mode} ${f.fault} ×${f.injected}${f.fired !== f.injected ? ` (fired ${f.fired})` : ''}${f.lossEvents ? `, lost answers ${f.lossEvents} (links lost ${f.linksLost})` : ''}${f.buildsRetried ? `, builds retried ${f.buildsRetried}` : ''}`).join('; ') + '\n';
    }
  }
  out += `\nlegacy git_auth_links row survived the rename: ${report.legacyLinkSurvivedRename ? 'yes' : 'NO'}`;
  out += `\ntoken values found in logs: ${report.tokensInLogs}`;
  out += `\nencryption key found in logs: ${report.keyInLogs ? 'YES' : 'no'}`;
  out += `\nlinks with a plaintext token at rest: ${report.plaintextLinksAtRest}`;
  for (const guarded of report.modes.filter((m) => m.mode === 'protected')) {
    const loss = guarded.invariants.unavoidableLoss;
    const lossNote = loss.events ? `; unavoidable loss: ${loss.events} answer(s) lost with a killed replica or connection, ${loss.linksLost} link(s) lost` : '';
    const name = providers.length > 1 ? `protected (${guarded.provider})` : 'protected';
    const clean = `exactly ${guarded.expectedRefreshCalls} provider refreshes (one per user per round), no failed build, no broken link, no revoked family`;
    // With a lost answer, the failures in the table are that loss's consequences: say so, never "no failed build".
    const consequences = [
      guarded.buildsFailed && `${guarded.buildsFailed} failed build(s)`,
      guarded.linksNeedingReauth && `${guarded.linksNeedingReauth} broken link(s)`,
      guarded.familiesRevoked && `${guarded.familiesRevoked} revoked family(ies)`,
    ].filter(Boolean);
    const explained = `one provider refresh per user per round outside the lost rounds${consequences.length ? `; the ${consequences.join(', ')} in the table follow from the unavoidable loss` : ''}`;
    out += protectedHeld(guarded)
      ? `\n${name}: OK — ${loss.events ? explained : clean}${lossNote}`
      : `\n${name}: FAILED — see the table above`;
  }
  if (!held) out += '\nRESULT: FAILED';
  return `${out}\nfinished in ${seconds.toFixed(1)} s\n`;
}

function table(rows: Array<[string, (m: ModeResult) => string | number]>, modes: ModeResult[]): string {
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const cells = modes.map((m) => rows.map(([, get]) => String(get(m))));
  const widths = modes.map((m, i) => Math.max(m.mode.length, ...cells[i]!.map((c) => c.length)));
  const line = (label: string, values: string[]) => `${label.padEnd(labelWidth)}  ${values.map((v, i) => v.padStart(widths[i]!)).join('  ')}\n`;
  let out = line('', modes.map((m) => m.mode));
  rows.forEach(([label], r) => {
    out += line(label, cells.map((c) => c[r]!));
  });
  return out;
}

// Ctrl-C or a TERM (timeout, CI): drop the scratch database (or temporary directory), then exit as signalled.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: removing the scratch database…\n`);
    void removeLeftovers().finally(() => process.exit(code));
  });
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

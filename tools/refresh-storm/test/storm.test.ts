import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { postgresUrl } from '@coder/database/testing';
import { protectedHeld, runStorm } from '@coder/refresh-storm';

const small = { replicas: 3, users: 4, builds: 8, rounds: 2 };
// Explicit, generous timeouts: under CI load (two test packages at once on two cores) a storm
// of three modes or a CLI child process (tsx start-up included) can take well over the 30 s default.
const STORM_TIMEOUT = { timeout: 150_000 };
const CLI_TIMEOUT = { timeout: 90_000 };

const backends: Array<[string, string | undefined]> = [['PGlite', undefined]];
const pgUrl = postgresUrl();
if (pgUrl) backends.push(['PostgreSQL', pgUrl]);

describe.each(backends)('refresh storm on %s', (_name, databaseUrl) => {
  it.each(['oidc', 'github'] as const)('protected makes one refresh per user per round and breaks nothing (%s)', STORM_TIMEOUT, async (provider) => {
    const report = await runStorm({ ...small, modes: ['naive', 'singleflight', 'protected'], provider, ...(databaseUrl ? { databaseUrl } : {}) });
    expect(report.legacyLinkSurvivedRename).toBe(true);
    expect(report.tokensInLogs).toBe(0);
    // Every mode ran on the full Store stack: tokens encrypted at rest, the key never logged.
    expect(report).toMatchObject({ encryption: true, keyInLogs: false, plaintextLinksAtRest: 0 });
    expect(report.encryptionKeyId).toMatch(/^[0-9a-f]{7}$/);
    const [naive, singleflight, guarded] = report.modes;
    expect(guarded).toMatchObject({
      mode: 'protected',
      providerRefreshCalls: small.users * small.rounds,
      expectedRefreshCalls: small.users * small.rounds,
      buildsOk: small.users * small.builds * small.rounds,
      buildsFailed: 0,
      linksNeedingReauth: 0,
      familiesRevoked: 0,
    });
    expect(protectedHeld(guarded!)).toBe(true);
    // The naive design spends each refresh token many times and breaks every link.
    expect(naive!.providerRefreshCalls).toBeGreaterThan(small.users);
    expect(naive!.linksNeedingReauth).toBe(small.users);
    if (provider === 'oidc') {
      // Replicas without a shared lock race each other: the strict provider revokes families.
      expect(singleflight!.familiesRevoked).toBeGreaterThan(0);
      expect(protectedHeld(singleflight!)).toBe(false);
    }
  });
});

describe('refresh-storm CLI', () => {
  const cli = path.resolve(import.meta.dirname, '../src/cli.ts');
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, ['--conditions=@coder/source', '--import', 'tsx', cli, ...args], { cwd: import.meta.dirname }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('prints help and exits 0', CLI_TIMEOUT, async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--database-url');
    expect(stdout).toContain('Exit codes');
  });

  it.each([[['--users', '0']], [['--mode', 'clever']], [['--bogus']], [['stray']]])('exits 2 on bad arguments %j', CLI_TIMEOUT, async (args) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/error/);
  });

  it.each([
    [['--processes', '2'], '--processes needs --database-url'],
    [['--faults'], '--faults needs --processes'],
    [['--provider', 'okta'], 'error'],
  ])('refuses %j with a usage error (exit 2)', CLI_TIMEOUT, async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('exits 3 with a clear message when the database is unreachable', CLI_TIMEOUT, async () => {
    const { code, stderr } = await run(['--database-url', 'postgres://u:pw@127.0.0.1:1/x', '--users', '1', '--builds', '1', '--rounds', '1']);
    expect(code).toBe(3);
    expect(stderr).toContain('cannot connect to PostgreSQL at postgres://u:***@127.0.0.1:1/x');
    expect(stderr).not.toContain(':pw@');
  });

  it('prints one JSON document with --json (and `--` forwarded by pnpm is ignored)', STORM_TIMEOUT, async () => {
    const { code, stdout, stderr } = await run(['--', '--json', '--users', '2', '--builds', '3', '--rounds', '1', '--mode', 'protected']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.ok).toBe(true);
    expect(report.encryption).toBe(true);
    expect(report).toMatchObject({ keyInLogs: false, plaintextLinksAtRest: 0, tokensInLogs: 0 });
    expect(report.modes).toHaveLength(1);
    expect(report.modes[0]).toMatchObject({ providerRefreshCalls: 2, buildsFailed: 0 });
    expect(Object.keys(report.modes[0]).sort()).toEqual(
      expect.arrayContaining(['mode', 'replicas', 'users', 'buildsPerUser', 'rounds', 'providerRefreshCalls', 'expectedRefreshCalls', 'buildsOk', 'buildsFailed', 'linksNeedingReauth', 'familiesRevoked', 'p50Ms', 'p99Ms']),
    );
  });

  it('says in the table header that tokens are encrypted at rest', STORM_TIMEOUT, async () => {
    const { code, stdout } = await run(['--users', '2', '--builds', '2', '--rounds', '1', '--mode', 'protected']);
    expect(code).toBe(0);
    expect(stdout).toContain('encryption at rest: on (AES-256-GCM');
    expect(stdout).toContain('encryption key found in logs: no');
    expect(stdout).toContain('links with a plaintext token at rest: 0');
    expect(stdout).toContain('protected: OK — exactly 2 provider refreshes');
  });
});

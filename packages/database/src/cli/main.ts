#!/usr/bin/env node
// coder-db: migrate the schema and manage encryption at rest. Exit codes: 0 done, 1 the database refused or
// a migration failed, 2 bad usage (arguments, unknown version, malformed URL or key).
import { performance } from 'node:perf_hooks';

import { Command, CommanderError, InvalidArgumentError } from 'commander';

import { openDriver, redact } from '../driver.js';
import type { Driver } from '../driver.js';
import { DatabaseError } from '../errors.js';
import { encryptValue } from '../layers/dbcrypt-cipher.js';
import { decryptAll, rotateKeys } from '../layers/dbcrypt-admin.js';
import type { DbcryptRunResult } from '../layers/dbcrypt-admin.js';
import { parseEncryptionKeys } from '../layers/dbcrypt-cipher.js';
import { prepareDbcrypt } from '../layers/dbcrypt.js';
import { forceVersion, migrate, migrationStatus } from '../migrate/runner.js';
import { loadMigrations } from '../migrate/source.js';
import { createSqlStore } from '../store.js';
import type { MigrateOutcome, MigrateTarget } from '../migrate/runner.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Codes that mean the command line (or its environment) asked for something impossible. */
const USAGE_CODES = new Set(['MIGRATION_UNKNOWN_VERSION', 'DB_URL_INVALID', 'DBCRYPT_KEYS_INVALID']);

/** A bad combination of arguments found after parsing. */
class UsageError extends Error {}

/** Checks a target version against the migration files before touching any database. */
async function knownVersion(version: number): Promise<number> {
  const migrations = await loadMigrations();
  if (version !== 0 && !migrations.some((m) => m.version === version)) {
    throw new UsageError(`no migration has version ${version} (known: ${migrations.map((m) => m.version).join(', ')}; 0 means an empty schema)`);
  }
  return version;
}

const waitingForLock = () => process.stderr.write('waiting for the migration lock: another runner is migrating this database…\n');

interface GlobalOptions {
  databaseUrl?: string;
  json?: boolean;
}

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return Number(value);
}

function positiveInt(value: string): number {
  const n = nonNegativeInt(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer, got 0');
  return n;
}

function program(): Command {
  const cli = new Command('coder-db')
    .description('Migrate the coder database (golang-migrate compatible schema_migrations).')
    .option('--database-url <url>', 'postgres://… for PostgreSQL, memory:// or a directory for embedded PGlite (default: $DATABASE_URL, else .data/pglite)')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .showHelpAfterError()
    .addHelpText('after', '\nExit codes: 0 done, 1 database refused or a migration failed, 2 bad usage.');

  const migrateCmd = cli.command('migrate').description('apply or revert schema migrations');
  migrateCmd
    .command('up')
    .argument('[N]', 'apply at most N pending migrations (default: all)', positiveInt)
    .description('apply pending migrations')
    .action((n?: number) => runMigrate(cli.opts(), { direction: 'up', ...(n ? { steps: n } : {}) }));
  migrateCmd
    .command('down')
    .argument('[N]', 'revert N migrations (default: 1)', positiveInt)
    .option('--all', 'revert every migration, down to an empty schema')
    .description('revert applied migrations')
    .action((n: number | undefined, opts: { all?: boolean }) => {
      if (opts.all && n !== undefined) throw new UsageError('migrate down: give N or --all, not both');
      return runMigrate(cli.opts(), { direction: 'down', steps: opts.all ? 'all' : (n ?? 1) });
    });
  migrateCmd
    .command('goto')
    .argument('<V>', 'target version (0: empty schema)', nonNegativeInt)
    .description('migrate up or down to version V')
    .action(async (v: number) => runMigrate(cli.opts(), { goto: await knownVersion(v) }));
  migrateCmd
    .command('force')
    .argument('<V>', 'version the schema is really at (0: none)', nonNegativeInt)
    .description('set the version and clear the dirty flag, running nothing (after mending a failed migration by hand)')
    .action(async (v: number) =>
      withDriver(cli.opts(), async (driver) => {
        const after = await forceVersion(driver, await knownVersion(v), { onLockWait: waitingForLock });
        print(cli.opts(), after, `forced version ${after.version ?? 'none'} (clean) on ${driver.location}`);
      }),
    );
  migrateCmd
    .command('status')
    .description('show the current version and which migrations are applied')
    .action(() =>
      withDriver(cli.opts(), async (driver) => {
        const status = await migrationStatus(driver);
        const lines = [
          `database: ${driver.location}`,
          `version:  ${status.version ?? 'none'}${status.dirty ? ' (DIRTY: a migration failed; see `coder-db migrate force --help`)' : ''}`,
          `latest:   ${status.latest ?? 'none'}`,
          ...status.migrations.map((m) => `  [${m.applied ? 'x' : ' '}] ${String(m.version).padStart(6, '0')} ${m.name}`),
        ];
        print(cli.opts(), status, lines.join('\n'));
      }),
    );

  // Keys come only from the environment (never argv, which other users can
  // read in ps); output shows key ids (digests), never keys or tokens.
  const dbcryptCmd = cli.command('dbcrypt').description('manage encryption at rest (keys from CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS, primary first)');
  dbcryptCmd
    .command('rotate')
    .description('re-encrypt every token with the primary key, then revoke the other keys')
    .action(() => runDbcrypt(cli.opts(), 'rotate'));
  dbcryptCmd
    .command('decrypt')
    .description('write every token back as plaintext, then revoke every key (run the service without keys afterwards)')
    .action(() => runDbcrypt(cli.opts(), 'decrypt'));
  dbcryptCmd
    .command('encrypt-value')
    .description('read a value on stdin; print its ciphertext and the primary key id (to mend a row by hand)')
    .action(async () => {
      const keys = parseEncryptionKeys(process.env.CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS ?? '');
      const primary = keys[0];
      if (!primary) throw new DatabaseError('DBCRYPT_KEYS_INVALID', 'CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS is empty');
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      const value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
      const ciphertext = encryptValue(primary, value);
      print(cli.opts(), { ciphertext, keyId: primary.id }, `ciphertext: ${ciphertext}\nkey id:     ${primary.id}`);
    });
  return cli;
}

async function runDbcrypt(options: GlobalOptions, mode: 'rotate' | 'decrypt'): Promise<void> {
  await withDriver(options, async (driver) => {
    const keys = parseEncryptionKeys(process.env.CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS ?? '');
    if (keys.length === 0) throw new DatabaseError('DBCRYPT_KEYS_INVALID', 'CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS is empty');
    const raw = createSqlStore(driver);
    const dbcrypt = await prepareDbcrypt(raw, keys);
    const result: DbcryptRunResult = mode === 'rotate' ? await rotateKeys(raw, dbcrypt) : await decryptAll(raw, dbcrypt);
    const summary = [
      `${mode}: external_auth_links ${result.rewritten.external_auth_links} rewritten, ${result.unchanged.external_auth_links} unchanged; ` +
        `user_links ${result.rewritten.user_links} rewritten, ${result.unchanged.user_links} unchanged`,
      ...result.failures.map((f) => `  FAILED ${f.table} (${f.row}): ${f.error.message} [${f.error.code}]`),
      `revoked keys: ${result.revoked.join(', ') || 'none'}`,
    ].join('\n');
    print(options, { ...result, failures: result.failures.map((f) => ({ table: f.table, row: f.row, code: f.error.code, message: f.error.message })), error: result.error && { code: result.error.code, message: result.error.message } }, summary);
    if (result.error) throw result.error;
  });
}

async function runMigrate(options: GlobalOptions, target: MigrateTarget): Promise<void> {
  await withDriver(options, async (driver) => {
    const started = performance.now();
    const progress = options.json
      ? undefined
      : (e: { version: number; name: string; direction: string; phase: string }) => {
          if (e.phase === 'start') process.stderr.write(`${e.direction === 'up' ? '→' : '←'} ${String(e.version).padStart(6, '0')}_${e.name} … `);
          else process.stderr.write('ok\n');
        };
    const outcome: MigrateOutcome = await migrate(driver, target, { onLockWait: waitingForLock, ...(progress ? { onProgress: progress } : {}) });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const applied = outcome.results.filter((r) => r.status === 'applied').length;
    const summary =
      `${applied} migration(s) ${'goto' in target ? 'run' : target.direction === 'up' ? 'applied' : 'reverted'}; ` +
      `version ${outcome.before.version ?? 'none'} → ${outcome.after.version ?? 'none'}${outcome.after.dirty ? ' (DIRTY)' : ''} in ${seconds}s on ${driver.location}`;
    if (outcome.error) {
      if (!options.json && outcome.results.some((r) => r.status === 'failed')) process.stderr.write('FAILED\n');
      print(options, { ...outcome, error: { code: outcome.error.code, message: outcome.error.message } }, summary);
      throw outcome.error;
    }
    print(options, outcome, summary);
  });
}

async function withDriver(options: GlobalOptions, fn: (driver: Driver) => Promise<void>): Promise<void> {
  const driver = await openDriver(options.databaseUrl ?? process.env.DATABASE_URL);
  try {
    await fn(driver);
  } finally {
    await driver.close();
  }
}

function print(options: GlobalOptions, json: unknown, text: string): void {
  process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
}

// `pnpm db -- migrate up` forwards the `--` itself: drop it.
const args = process.argv.slice(2);
if (args[0] === '--') args.shift();
try {
  await program().parseAsync(args, { from: 'user' });
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed usage problems.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else if (error instanceof UsageError) {
    process.stderr.write(`coder-db: ${error.message}\n`);
    process.exitCode = EXIT_USAGE;
  } else if (error instanceof DatabaseError) {
    process.stderr.write(`coder-db: ${redact(error.message)} [${error.code}]\n`);
    process.exitCode = USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILED;
  } else {
    process.stderr.write(`coder-db: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT_FAILED;
  }
}

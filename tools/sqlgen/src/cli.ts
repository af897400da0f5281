#!/usr/bin/env node
// coder-sqlgen: regenerate (default) or check (--check) the typed queries.
// Exit codes: 0 done / up to date, 1 generation failed or the file is stale, 2 bad usage.
import path from 'node:path';

import { Command, CommanderError } from 'commander';

import { SqlgenError } from './errors.js';
import { DEFAULT_CONFIG, check, writeGenerated } from './generate.js';
import type { SqlgenConfig } from './generate.js';

interface CliOptions {
  check?: boolean;
  queries?: string;
  migrations?: string;
  out?: string;
  executorImport?: string;
}

const cli = new Command('coder-sqlgen')
  .description('Generate typed TypeScript from annotated SQL (queries/*.sql), typed against the migrated schema in embedded PGlite.')
  .option('--check', 'write nothing; fail (exit 1) when the committed file differs from what would be generated')
  .option('--queries <dir>', 'annotated query files', DEFAULT_CONFIG.queriesDir)
  .option('--migrations <dir>', 'golang-migrate migrations', DEFAULT_CONFIG.migrationsDir)
  .option('--out <file>', 'generated module', DEFAULT_CONFIG.outFile)
  .option('--executor-import <module>', 'import path of the Executor type, relative to --out', DEFAULT_CONFIG.executorImport)
  .exitOverride();

try {
  cli.parse(process.argv);
  const o = cli.opts<CliOptions>();
  const config: SqlgenConfig = {
    queriesDir: path.resolve(o.queries!),
    migrationsDir: path.resolve(o.migrations!),
    outFile: path.resolve(o.out!),
    executorImport: o.executorImport!,
  };
  const shown = path.relative(process.cwd(), config.outFile);
  if (o.check) {
    const result = await check(config);
    if (!result.upToDate) {
      process.stderr.write(
        `coder-sqlgen: ${shown} is stale (first difference at line ${result.firstDifference}); run \`pnpm gen\` and commit the result [SQLGEN_STALE]\n`,
      );
      process.exitCode = 1;
    } else {
      process.stdout.write(`${shown} is up to date (${result.queries} queries, ${Math.round(result.elapsedMs)} ms)\n`);
    }
  } else {
    const result = await writeGenerated(config);
    process.stdout.write(`wrote ${shown}: ${result.queries} queries in ${Math.round(result.elapsedMs)} ms (schema ${Math.round(result.schemaMs)} ms)\n`);
  }
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof SqlgenError) {
    process.stderr.write(`coder-sqlgen: ${error.message} [${error.code}]\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`coder-sqlgen: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}

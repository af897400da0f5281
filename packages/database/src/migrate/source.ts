import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { DatabaseError } from '../errors.js';

/** One schema version: a pair of golang-migrate files `NNNNNN_name.{up,down}.sql`. */
export interface MigrationFile {
  version: number;
  name: string;
  upSql: string;
  downSql: string;
}

/** The migrations shipped with this package. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.(up|down)\.sql$/;

/**
 * Reads and checks a migrations folder: every version has exactly one up and
 * one down file, no two names share a version. Throws `MIGRATION_SOURCE_INVALID`
 * naming every problem found, so nothing runs from a half-valid folder.
 *
 * @example
 * const migrations = await loadMigrations(); // [{ version: 1, name: 'init', ... }, ...]
 */
export async function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (cause) {
    throw new DatabaseError('MIGRATION_SOURCE_INVALID', `cannot read migrations folder ${dir}`, { cause });
  }
  const byVersion = new Map<number, { name: string; up?: string; down?: string }>();
  const problems: string[] = [];
  for (const file of entries.filter((f) => f.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      problems.push(`${file}: name is not NNNNNN_name.up.sql or NNNNNN_name.down.sql`);
      continue;
    }
    const [, digits, name, direction] = match as unknown as [string, string, string, 'up' | 'down'];
    const version = Number(digits);
    if (!Number.isSafeInteger(version) || version <= 0) {
      problems.push(`${file}: version must be a positive integer`);
      continue;
    }
    const entry = byVersion.get(version) ?? { name };
    byVersion.set(version, entry);
    if (entry.name !== name) {
      problems.push(`version ${version} is used by two migrations: ${entry.name} and ${name}`);
      continue;
    }
    if (entry[direction] !== undefined) {
      problems.push(`version ${version} has two ${direction} files`);
      continue;
    }
    entry[direction] = file;
  }
  for (const [version, entry] of byVersion) {
    if (!entry.up) problems.push(`version ${version} (${entry.name}) has no .up.sql file`);
    if (!entry.down) problems.push(`version ${version} (${entry.name}) has no .down.sql file`);
  }
  if (problems.length > 0) {
    throw new DatabaseError('MIGRATION_SOURCE_INVALID', `invalid migrations in ${dir}:\n  ${problems.join('\n  ')}`);
  }
  const versions = [...byVersion.keys()].sort((a, b) => a - b);
  return Promise.all(
    versions.map(async (version) => {
      const entry = byVersion.get(version)!;
      const [upSql, downSql] = await Promise.all([
        readFile(path.join(dir, entry.up!), 'utf8'),
        readFile(path.join(dir, entry.down!), 'utf8'),
      ]);
      return { version, name: entry.name, upSql, downSql };
    }),
  );
}

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_CONFIG, GENERATED_HEADER, SqlgenError, check, generate } from '@coder/sqlgen';
import type { SqlgenConfig } from '@coder/sqlgen';

// One schema with every kind of type the mapping cares about.
const SCHEMA = `
CREATE TYPE build_status AS ENUM ('pending', 'running', 'it''s done');
CREATE TABLE builds (
    id bigint PRIMARY KEY,
    owner uuid NOT NULL,
    status build_status NOT NULL,
    cost numeric,
    ratio double precision NOT NULL DEFAULT 1,
    attempts integer NOT NULL DEFAULT 0,
    tags text[] NOT NULL DEFAULT '{}',
    statuses build_status[],
    meta jsonb,
    started_at timestamptz,
    finished boolean NOT NULL DEFAULT false
);
CREATE TABLE owners (id uuid PRIMARY KEY, name text NOT NULL);
CREATE VIEW build_view AS SELECT id, status FROM builds;
`;

let dir: string;
let config: SqlgenConfig;

async function writeQueries(files: Record<string, string>): Promise<void> {
  await rm(config.queriesDir, { recursive: true, force: true });
  await mkdir(config.queriesDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(config.queriesDir, name), text);
}

async function failure(files: Record<string, string>): Promise<SqlgenError> {
  await writeQueries(files);
  const error = await generate(config).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SqlgenError);
  return error as SqlgenError;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sqlgen-test-'));
  config = {
    queriesDir: path.join(dir, 'queries'),
    migrationsDir: path.join(dir, 'migrations'),
    outFile: path.join(dir, 'src', 'queries.gen.ts'),
    executorImport: './driver.js',
  };
  await mkdir(config.migrationsDir, { recursive: true });
  await writeFile(path.join(config.migrationsDir, '000001_init.up.sql'), SCHEMA);
  await writeFile(path.join(config.migrationsDir, '000001_init.down.sql'), 'DROP VIEW build_view; DROP TABLE owners; DROP TABLE builds; DROP TYPE build_status;');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generate', () => {
  it('infers parameter and column types, nullability and enum values from the schema', async () => {
    await writeQueries({
      'builds.sql': [
        '-- name: GetBuild :one',
        'SELECT * FROM builds WHERE id = @id;',
        '',
        '-- Counts builds of one owner; the alias marks forces non-null.',
        '-- name: CountBuilds :one',
        'SELECT count(*) AS "total!", max(cost) AS max_cost, sum(attempts) AS "attempts_sum?" FROM builds WHERE owner = @owner;',
        '',
        '-- name: ListBuildsWithOwner :many',
        'SELECT b.id, b.status, o.name AS owner_name FROM builds b LEFT JOIN owners o ON o.id = b.owner',
        'WHERE b.status = ANY(@statuses::build_status[]) AND b.started_at > sqlc.narg(since);',
        '',
        '-- name: SetMeta :execrows',
        'UPDATE builds SET meta = sqlc.narg(meta), tags = @tags WHERE id = $1;',
        '',
      ]
        .join('\n')
        .replace('WHERE id = $1', 'WHERE id = @id'),
      'views.sql': '-- name: ListView :many\nSELECT * FROM build_view;\n\n-- name: Touch :exec\nSELECT pg_sleep($1);\n',
    });
    const { text, queries } = await generate(config);
    expect(queries).toBe(6);
    expect(text.split('\n')[0]).toBe(GENERATED_HEADER);
    const iface = (name: string) => new RegExp(`export interface ${name} \\{([^}]*)\\}`).exec(text)?.[1]?.trim().split('\n').map((l) => l.trim());
    expect(iface('Build')).toEqual([
      'id: string;',
      'owner: string;',
      "status: 'pending' | 'running' | 'it\\'s done';",
      'cost: string | null;',
      'ratio: number;',
      'attempts: number;',
      'tags: Array<string>;',
      // pg does not parse arrays of enums: they arrive as text.
      'statuses: string | null;',
      'meta: JsonValue;',
      'startedAt: Date | null;',
      'finished: boolean;',
    ]);
    expect(iface('CountBuildsRow')).toEqual(['total: string;', 'maxCost: string | null;', 'attemptsSum: string | null;']);
    // An outer join makes every column nullable.
    expect(iface('ListBuildsWithOwnerRow')).toEqual([
      "id: string | null;",
      "status: 'pending' | 'running' | 'it\\'s done' | null;",
      'ownerName: string | null;',
    ]);
    expect(iface('ListBuildsWithOwnerParams')).toEqual(["statuses: Array<'pending' | 'running' | 'it\\'s done'>;", 'since: Date | null;']);
    expect(iface('SetMetaParams')).toEqual(['meta: JsonValue;', 'tags: Array<string>;', 'id: string;']);
    expect(iface('TouchParams')).toEqual(['arg1: number;']);
    // A view's columns carry no NOT NULL: nullable.
    expect(iface('BuildView')).toEqual(['id: string | null;', "status: 'pending' | 'running' | 'it\\'s done' | null;"]);
    expect(text).toContain('export async function getBuild(db: Executor, params: GetBuildParams): Promise<Build | null>');
    expect(text).toContain('export async function countBuilds(db: Executor, params: CountBuildsParams): Promise<CountBuildsRow | null>');
    expect(text).toContain('export async function setMeta(db: Executor, params: SetMetaParams): Promise<number>');
    expect(text).toContain('export async function touch(db: Executor, params: TouchParams): Promise<void>');
    expect(text).toContain("total: row['total!'] as string,");
    expect(text).toContain('jsonText(params.meta)');
    expect(text).toContain('export const setMetaSql = `UPDATE builds SET meta = $1, tags = $2 WHERE id = $3`;');
    expect(text).toContain(' * Counts builds of one owner; the alias marks forces non-null.');
    expect(text).toMatch(/export const QUERIER_METHODS = \[\n {2}'getBuild',/);
    // Deterministic.
    expect((await generate(config)).text).toBe(text);
  });

  it.each<{ name: string; files: Record<string, string>; code: string; where: string; message: RegExp }>([
    {
      name: 'unknown column',
      files: { 'a.sql': '-- name: Ok :one\nSELECT 1 AS one;\n\n-- name: Bad :many\nSELECT id,\n       nope\nFROM builds;\n' },
      code: 'SQLGEN_QUERY_INVALID',
      where: 'a.sql:6:8',
      message: /Bad: column "nope" does not exist \(SQLSTATE 42703\)/,
    },
    {
      name: 'unknown table, position after a rewritten parameter',
      files: { 'b.sql': '-- name: Bad :one\nSELECT * FROM builds WHERE id = @id AND owner IN (SELECT id FROM missing_table);\n' },
      code: 'SQLGEN_QUERY_INVALID',
      where: 'b.sql:2:66',
      message: /relation "missing_table" does not exist \(SQLSTATE 42P01\)/,
    },
    {
      name: 'syntax error',
      files: { 'c.sql': '-- name: Bad :exec\nUPDATE builds SETT x = 1;\n' },
      code: 'SQLGEN_QUERY_INVALID',
      where: 'c.sql:2:20',
      message: /syntax error at or near "x" \(SQLSTATE 42601\)/,
    },
    {
      name: 'bad annotation',
      files: { 'd.sql': '-- name: Fine :one\nSELECT 1 AS x;\n-- name: broken :maybe\nSELECT 2;\n' },
      code: 'SQLGEN_ANNOTATION_INVALID',
      where: 'd.sql:3',
      message: /expected "-- name: PascalCaseName/,
    },
    {
      name: ':one without rows',
      files: { 'e.sql': '-- name: NoRows :one\nUPDATE builds SET finished = true WHERE id = @id;\n' },
      code: 'SQLGEN_TYPE_UNSUPPORTED',
      where: 'e.sql:1',
      message: /NoRows: :one needs a statement that returns rows/,
    },
    {
      name: 'named and positional parameters mixed',
      files: { 'f.sql': '-- name: Mixed :exec\nUPDATE builds SET finished = $1 WHERE id = @id;\n' },
      code: 'SQLGEN_ANNOTATION_INVALID',
      where: 'f.sql:2',
      message: /either named \(@name\) or positional/,
    },
    {
      name: 'duplicate names across files',
      files: { 'g.sql': '-- name: Same :exec\nSELECT 1;\n', 'h.sql': '-- name: Same :exec\nSELECT 2;\n' },
      code: 'SQLGEN_ANNOTATION_INVALID',
      where: 'h.sql:1',
      message: /already used in .*g\.sql:1/,
    },
  ])('fails on $name with file:line and the reason', async ({ files, code, where, message }) => {
    const error = await failure(files);
    expect(error.code).toBe(code);
    expect(error.message).toContain(path.join(config.queriesDir, where));
    expect(error.message).toMatch(message);
    expect(error.problems.length).toBe(1);
  });

  it('reports every invalid query at once', async () => {
    const error = await failure({ 'x.sql': '-- name: A :exec\nSELECT nope1;\n\n-- name: B :exec\nSELECT nope2;\n' });
    expect(error.code).toBe('SQLGEN_QUERY_INVALID');
    expect(error.problems.map((p) => [p.query, p.line, p.sqlState])).toEqual([
      ['A', 2, '42703'],
      ['B', 5, '42703'],
    ]);
  });
});

describe('the committed @coder/database queries', () => {
  it('are what the generator writes now (gen:check)', async () => {
    const result = await check(DEFAULT_CONFIG);
    expect(result.upToDate, `run pnpm gen: ${result.outFile} differs at line ${result.firstDifference}`).toBe(true);
    expect(result.queries).toBeGreaterThan(10);
  });
});

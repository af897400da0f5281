import { describe, expect, it } from 'vitest';

import { SqlgenError, parseQueryFile } from '@coder/sqlgen';

describe('parseQueryFile', () => {
  it.each([
    { sql: 'SELECT * FROM t WHERE a = @a AND b = @b AND c = @a', out: 'SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $1', params: ['a', 'b'] },
    { sql: "SELECT '@not' || \"@col\" FROM t -- @comment\nWHERE x = @x", out: "SELECT '@not' || \"@col\" FROM t -- @comment\nWHERE x = $1", params: ['x'] },
    { sql: 'SELECT $q$ @no $q$, $$@no$$, /* @no */ @yes::text', out: 'SELECT $q$ @no $q$, $$@no$$, /* @no */ $1::text', params: ['yes'] },
    { sql: "UPDATE t SET e = sqlc.narg(expiry), f = sqlc.arg('f') WHERE id = @id", out: 'UPDATE t SET e = $1, f = $2 WHERE id = $3', params: ['expiry?', 'f', 'id'] },
    { sql: 'SELECT * FROM t WHERE a = $2 AND b = $1', out: 'SELECT * FROM t WHERE a = $2 AND b = $1', params: ['arg1', 'arg2'] },
    { sql: "SELECT tags @> ARRAY['x'] FROM t WHERE o = @o", out: "SELECT tags @> ARRAY['x'] FROM t WHERE o = $1", params: ['o'] },
  ])('rewrites $sql', ({ sql, out, params }) => {
    const [query] = parseQueryFile('q.sql', `-- name: Q :many\n${sql};\n`);
    expect(query!.sql).toBe(out);
    expect(query!.params.map((p) => p.name + (p.nullable ? '?' : ''))).toEqual(params);
  });

  it('takes the comment block above an annotation as the query documentation', () => {
    const queries = parseQueryFile('q.sql', '-- name: A :exec\nSELECT 1;\n\n-- Why B exists.\n-- Second line.\n-- name: B :exec\nSELECT 2;\n');
    expect(queries.map((q) => [q.name, q.line, q.sql, q.doc])).toEqual([
      ['A', 1, 'SELECT 1', []],
      ['B', 6, 'SELECT 2', ['Why B exists.', 'Second line.']],
    ]);
  });

  it('maps offsets in the rewritten SQL back to the source', () => {
    const [query] = parseQueryFile('q.sql', '-- name: Q :one\nSELECT @long_name, sqlc.narg(other), x;\n');
    expect(query!.sql).toBe('SELECT $1, $2, x');
    expect(query!.source[query!.sourceOffset(query!.sql.indexOf('x'))]).toBe('x');
  });

  it.each([
    { text: '-- name: lower :one\nSELECT 1;', line: 1 },
    { text: '-- name: Q :first\nSELECT 1;', line: 1 },
    { text: '-- name: Q :one\n', line: 1 },
    { text: 'SELECT 1;', line: 1 },
    { text: '-- name: Q :one\nSELECT 1;\n-- name: Q :one\nSELECT 2;', line: 3 },
    { text: '-- name: Q :one\nSELECT @a,\n  sqlc.narg(a);', line: 3 },
  ])('rejects $text with SQLGEN_ANNOTATION_INVALID at its line', ({ text, line }) => {
    let error: unknown;
    try {
      parseQueryFile('q.sql', text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SqlgenError);
    expect((error as SqlgenError).code).toBe('SQLGEN_ANNOTATION_INVALID');
    expect((error as SqlgenError).problems[0]?.line).toBe(line);
    expect((error as SqlgenError).message).toMatch(new RegExp(`^q\\.sql:${line}: `));
  });
});

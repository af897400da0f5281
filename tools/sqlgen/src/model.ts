import type { Catalog, CatalogRelation } from './catalog.js';
import type { DescribedQuery } from './describe.js';
import { SqlgenError } from './errors.js';
import type { SqlgenProblem } from './errors.js';
import type { ParsedQuery } from './parse.js';
import { tsTypeOf } from './types.js';

/** A parameter or a result column, ready to print. */
export interface FieldModel {
  /** The SQL name: the parameter's name or the column's key in `pg`'s row object. */
  sqlName: string;
  /** camelCase property name. */
  property: string;
  type: string;
  nullable: boolean;
  json: boolean;
}

/** One query, ready to print. */
export interface QueryModel {
  query: ParsedQuery;
  functionName: string;
  paramsType: string | null;
  params: FieldModel[];
  /** Parameter values in `$n` order. */
  paramOrder: FieldModel[];
  rowType: string | null;
  /** True when the row type is a table model shared with other queries. */
  rowIsModel: boolean;
  columns: FieldModel[];
  /** :one on a plain INSERT always returns its row: no `| null`. */
  alwaysOneRow: boolean;
}

export interface GenerationModel {
  queries: QueryModel[];
  /** Table models (`SELECT *` / `RETURNING *` of one table), by type name. */
  models: Map<string, FieldModel[]>;
}

/**
 * Turns described queries into what the emitter prints: names, TypeScript
 * types and nullability.
 *
 * Nullability of a result column comes from the catalog: a column that
 * RowDescription traces to a table column (tableID/columnID) is non-null when
 * that column is `NOT NULL` (pg_attribute.attnotnull), unless the query has an
 * outer join (then every table column may be null). Expressions and view
 * columns are nullable. An alias ending in `!` forces non-null (`count(*) AS
 * "total!"`), one ending in `?` forces nullable; the property drops the mark.
 */
export function buildModel(catalog: Catalog, described: readonly DescribedQuery[]): GenerationModel {
  const problems: SqlgenProblem[] = [];
  const models = new Map<string, FieldModel[]>();
  const queries: QueryModel[] = [];
  for (const d of described) {
    const { query } = d;
    const fail = (message: string) =>
      problems.push({ code: 'SQLGEN_TYPE_UNSUPPORTED', file: query.file, line: query.line, query: query.name, message: `${query.name}: ${message}` });

    const paramOrder: FieldModel[] = query.params.map((p) => {
      const oid = d.paramTypeIDs[p.index - 1] ?? 0;
      const type = tsTypeOf(catalog, oid, 'param');
      if (!type) fail(`parameter ${p.name} has type ${typeName(catalog, oid)}, which has no TypeScript mapping (cast it, e.g. @${p.name}::text)`);
      return { sqlName: p.name, property: camelCase(p.name), type: type?.text ?? 'unknown', nullable: p.nullable, json: type?.json ?? false };
    });

    let columns: FieldModel[] = [];
    let rowType: string | null = null;
    let rowIsModel = false;
    const returnsRows = query.command === 'one' || query.command === 'many';
    if (returnsRows) {
      if (!d.fields || d.fields.length === 0) {
        fail(`:${query.command} needs a statement that returns rows (add RETURNING, or use :exec/:execrows)`);
      } else {
        const outerJoin = /\b(LEFT|RIGHT|FULL)(\s+OUTER)?\s+JOIN\b/i.test(stripComments(query.sql));
        columns = d.fields.map((f) => {
          const forced = f.name.endsWith('!') ? false : f.name.endsWith('?') ? true : undefined;
          const bare = forced === undefined ? f.name : f.name.slice(0, -1);
          const relation = f.tableID ? catalog.relations.get(f.tableID) : undefined;
          const column = relation?.columns.find((c) => c.attnum === f.columnID);
          const fromTable = relation !== undefined && (relation.kind === 'r' || relation.kind === 'p');
          const nullable = forced ?? !(fromTable && column?.notNull === true && !outerJoin);
          const type = tsTypeOf(catalog, f.dataTypeID, 'result');
          if (!type || type.text === 'void') fail(`column ${f.name} has type ${typeName(catalog, f.dataTypeID)}, which has no TypeScript mapping`);
          return { sqlName: f.name, property: camelCase(bare), type: type?.text ?? 'unknown', nullable, json: type?.json ?? false };
        });
        const dup = columns.find((c, i) => columns.findIndex((o) => o.property === c.property) !== i);
        if (dup) fail(`two result columns are both named ${dup.property} (alias one of them)`);
        const whole = wholeRelation(catalog, d);
        if (whole) {
          rowType = pascalCase(singular(whole.name));
          rowIsModel = true;
          const existing = models.get(rowType);
          if (existing && JSON.stringify(existing) !== JSON.stringify(columns)) {
            // Same table, different nullability (an outer join): not the model.
            rowType = `${query.name}Row`;
            rowIsModel = false;
          } else {
            models.set(rowType, columns);
          }
        } else {
          rowType = `${query.name}Row`;
        }
      }
    }
    const params = dedupe(paramOrder);
    queries.push({
      query,
      functionName: query.name[0]!.toLowerCase() + query.name.slice(1),
      paramsType: params.length > 0 ? `${query.name}Params` : null,
      params,
      paramOrder,
      rowType,
      rowIsModel,
      columns,
      alwaysOneRow: query.command === 'one' && /^\s*INSERT\b/i.test(stripComments(query.sql)) && !/\bON\s+CONFLICT\b/i.test(query.sql),
    });
  }
  const names = new Map<string, ParsedQuery>();
  for (const q of queries) {
    const other = names.get(q.functionName);
    if (other) {
      problems.push({
        code: 'SQLGEN_ANNOTATION_INVALID',
        file: q.query.file,
        line: q.query.line,
        query: q.query.name,
        message: `query name ${q.query.name} is already used in ${other.file}:${other.line}`,
      });
    }
    names.set(q.functionName, q.query);
  }
  if (problems.length > 0) {
    const code = problems[0]!.code;
    throw new SqlgenError(code, problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'), { problems });
  }
  return { queries, models };
}

/** The relation whose every column, in order, makes up the result (`SELECT *` / `RETURNING *`). */
function wholeRelation(catalog: Catalog, d: DescribedQuery): CatalogRelation | undefined {
  const fields = d.fields ?? [];
  const tableID = fields[0]?.tableID;
  if (!tableID) return undefined;
  const relation = catalog.relations.get(tableID);
  if (!relation || relation.columns.length !== fields.length) return undefined;
  const same = fields.every((f, i) => f.tableID === tableID && f.columnID === relation.columns[i]!.attnum && f.name === relation.columns[i]!.name);
  return same ? relation : undefined;
}

function dedupe(fields: FieldModel[]): FieldModel[] {
  const seen = new Set<string>();
  return fields.filter((f) => (seen.has(f.property) ? false : (seen.add(f.property), true)));
}

function typeName(catalog: Catalog, oid: number): string {
  return catalog.types.get(oid)?.name ?? `oid ${oid}`;
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

/** `oauth_access_token` → `oauthAccessToken`. */
export function camelCase(name: string): string {
  return name.toLowerCase() === name || name.includes('_')
    ? name.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/^_+/, '')
    : name;
}

/** `external_auth_links` → `ExternalAuthLinks`. */
export function pascalCase(name: string): string {
  const camel = camelCase(name);
  return camel[0]!.toUpperCase() + camel.slice(1);
}

/** The model name of a table: `users` → `user`, `policies` → `policy`. */
export function singular(name: string): string {
  if (/ies$/.test(name)) return name.slice(0, -3) + 'y';
  if (/(ss|us)$/.test(name)) return name;
  if (/s$/.test(name)) return name.slice(0, -1);
  return name;
}


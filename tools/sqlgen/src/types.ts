import type { Catalog, CatalogType } from './catalog.js';

/** A TypeScript type for a PostgreSQL one, and how values cross the driver. */
export interface TsType {
  /** The type text, without `| null`. */
  text: string;
  /** jsonb/json: parameters are sent as JSON text (pg would send a JS array as a PostgreSQL array). */
  json: boolean;
}

/**
 * What `pg` (with its default type parsers, on PostgreSQL and on PGlite
 * through its node-postgres adapter alike) returns for each type. The
 * generated types describe what really arrives, so `int8` and `numeric` are
 * strings (JavaScript numbers cannot hold them exactly).
 */
const SCALARS: Record<string, string> = {
  bool: 'boolean',
  int2: 'number',
  int4: 'number',
  oid: 'number',
  float4: 'number',
  float8: 'number',
  int8: 'string',
  numeric: 'string',
  money: 'string',
  text: 'string',
  varchar: 'string',
  bpchar: 'string',
  char: 'string',
  name: 'string',
  uuid: 'string',
  citext: 'string',
  inet: 'string',
  cidr: 'string',
  macaddr: 'string',
  xml: 'string',
  time: 'string',
  timetz: 'string',
  bit: 'string',
  varbit: 'string',
  tsvector: 'string',
  date: 'Date',
  timestamp: 'Date',
  timestamptz: 'Date',
  bytea: 'Buffer',
  json: 'JsonValue',
  jsonb: 'JsonValue',
  void: 'void',
};

/**
 * Arrays `pg` parses into JavaScript arrays, by element type name, with the
 * element type it produces (pg-types' text parsers: note `numeric[]` comes
 * back as numbers). Any other array, enum arrays included, arrives as
 * PostgreSQL's text form (`'{a,b}'`): cast it in SQL (`col::text[]`).
 */
const ARRAYS: Record<string, string> = {
  bool: 'boolean',
  int2: 'number',
  int4: 'number',
  oid: 'number',
  int8: 'string',
  float4: 'number',
  float8: 'number',
  numeric: 'number',
  bpchar: 'string',
  varchar: 'string',
  text: 'string',
  uuid: 'string',
  money: 'string',
  inet: 'string',
  cidr: 'string',
  macaddr: 'string',
  time: 'string',
  timetz: 'string',
  date: 'Date',
  timestamp: 'Date',
  timestamptz: 'Date',
  bytea: 'Buffer',
  json: 'JsonValue',
  jsonb: 'JsonValue',
};

/** The TypeScript type of a value of type `oid`; undefined when there is no faithful one. */
export function tsTypeOf(catalog: Catalog, oid: number, direction: 'param' | 'result'): TsType | undefined {
  const type = catalog.types.get(oid);
  if (!type) return undefined;
  const base = resolveDomain(catalog, type);
  if (base.kind === 'e') return { text: enumUnion(base), json: false };
  if (base.elem !== 0 && base.name.startsWith('_')) {
    const elem = catalog.types.get(base.elem);
    if (!elem) return undefined;
    const elemBase = resolveDomain(catalog, elem);
    if (direction === 'param') {
      // pg serialises a JS array into an array literal for any element type.
      const inner = elemBase.kind === 'e' ? enumUnion(elemBase) : SCALARS[elemBase.name];
      return inner && inner !== 'void' ? { text: `Array<${inner}>`, json: false } : undefined;
    }
    const inner = ARRAYS[elemBase.name];
    return inner ? { text: `Array<${inner}>`, json: false } : { text: 'string', json: false };
  }
  const scalar = SCALARS[base.name];
  if (!scalar) return undefined;
  return { text: scalar, json: scalar === 'JsonValue' };
}

function resolveDomain(catalog: Catalog, type: CatalogType): CatalogType {
  let current = type;
  for (let depth = 0; current.kind === 'd' && depth < 10; depth++) {
    const next = catalog.types.get(current.base);
    if (!next) break;
    current = next;
  }
  return current;
}

function enumUnion(type: CatalogType): string {
  return type.enumValues.length === 0 ? 'never' : type.enumValues.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(' | ');
}

import type { PGlite } from '@electric-sql/pglite';

/** A type from pg_type, enough to name it in TypeScript. */
export interface CatalogType {
  oid: number;
  name: string;
  /** pg_type.typtype: b base, e enum, d domain, c composite, p pseudo, r range. */
  kind: string;
  /** Element type of an array type (0 otherwise). */
  elem: number;
  /** Base type of a domain (0 otherwise). */
  base: number;
  /** Labels of an enum, in sort order. */
  enumValues: string[];
}

/** A column of a table or view. */
export interface CatalogColumn {
  name: string;
  attnum: number;
  notNull: boolean;
}

export interface CatalogRelation {
  oid: number;
  name: string;
  /** pg_class.relkind: r table, p partitioned table, v view, m materialized view. */
  kind: string;
  /** Live columns in attnum order. */
  columns: CatalogColumn[];
}

/** The parts of the catalog the generator reads, loaded once. */
export interface Catalog {
  types: Map<number, CatalogType>;
  relations: Map<number, CatalogRelation>;
}

/** Reads every type and every user relation's columns. */
export async function loadCatalog(db: PGlite): Promise<Catalog> {
  const types = await db.query<{ oid: number; typname: string; typtype: string; typelem: number; typbasetype: number }>(
    `SELECT oid::int AS oid, typname, typtype, typelem::int AS typelem, typbasetype::int AS typbasetype FROM pg_type`,
  );
  const enums = await db.query<{ typid: number; label: string }>(
    `SELECT enumtypid::int AS typid, enumlabel AS label FROM pg_enum ORDER BY enumtypid, enumsortorder`,
  );
  const columns = await db.query<{ relid: number; relname: string; relkind: string; attname: string; attnum: number; attnotnull: boolean }>(
    `SELECT c.oid::int AS relid, c.relname, c.relkind::text AS relkind, a.attname, a.attnum::int AS attnum, a.attnotnull
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'p', 'v', 'm')
      ORDER BY c.oid, a.attnum`,
  );
  const catalog: Catalog = { types: new Map(), relations: new Map() };
  for (const t of types.rows) {
    catalog.types.set(t.oid, { oid: t.oid, name: t.typname, kind: t.typtype, elem: t.typelem, base: t.typbasetype, enumValues: [] });
  }
  for (const e of enums.rows) catalog.types.get(e.typid)?.enumValues.push(e.label);
  for (const c of columns.rows) {
    let relation = catalog.relations.get(c.relid);
    if (!relation) {
      relation = { oid: c.relid, name: c.relname, kind: c.relkind, columns: [] };
      catalog.relations.set(c.relid, relation);
    }
    relation.columns.push({ name: c.attname, attnum: c.attnum, notNull: c.attnotnull });
  }
  return catalog;
}

import type { Executor } from './driver.js';

/**
 * The public schema as the catalog describes it: tables with their columns,
 * constraints, indexes and views, in a stable order. Two databases with equal
 * descriptions have the same schema (column order included; dropped-column
 * gaps in attnum are not visible).
 *
 * @example
 * expect(await describeSchema(a.pool)).toEqual(await describeSchema(b.pool));
 */
export async function describeSchema(db: Executor): Promise<SchemaDescription> {
  const [columns, constraints, indexes, views] = await Promise.all([
    db.query<{ table: string; column: string; type: string; nullable: string; default: string | null }>(
      `SELECT table_name AS table, column_name AS column,
              CASE WHEN data_type = 'ARRAY' THEN udt_name ELSE data_type END AS type,
              is_nullable AS nullable, column_default AS default
         FROM information_schema.columns
        WHERE table_schema = 'public'
        ORDER BY table_name, ordinal_position`,
    ),
    db.query<{ table: string; name: string; definition: string }>(
      `SELECT c.relname AS table, con.conname AS name, pg_get_constraintdef(con.oid) AS definition
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public'
        ORDER BY c.relname, con.conname`,
    ),
    db.query<{ table: string; name: string; definition: string }>(
      `SELECT tablename AS table, indexname AS name, indexdef AS definition
         FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname`,
    ),
    db.query<{ name: string; definition: string }>(
      `SELECT viewname AS name, definition FROM pg_views WHERE schemaname = 'public' ORDER BY viewname`,
    ),
  ]);
  return {
    columns: columns.rows.map((r) => `${r.table}.${r.column} ${r.type}${r.nullable === 'NO' ? ' NOT NULL' : ''}${r.default ? ` DEFAULT ${r.default}` : ''}`),
    constraints: constraints.rows.map((r) => `${r.table}.${r.name} ${r.definition}`),
    indexes: indexes.rows.map((r) => `${r.name} ${r.definition}`),
    views: views.rows.map((r) => `${r.name}: ${r.definition.replace(/\s+/g, ' ').trim()}`),
  };
}

export interface SchemaDescription {
  columns: string[];
  constraints: string[];
  indexes: string[];
  views: string[];
}

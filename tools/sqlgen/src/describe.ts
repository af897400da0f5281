import type { PGlite } from '@electric-sql/pglite';

import { SqlgenError } from './errors.js';
import type { SqlgenProblem } from './errors.js';
import { countNewlines } from './parse.js';
import type { ParsedQuery } from './parse.js';

/** A result column as PostgreSQL's RowDescription reports it. */
export interface DescribedField {
  name: string;
  /** OID of the source table (0: an expression). */
  tableID: number;
  /** attnum of the source column (0: an expression). */
  columnID: number;
  dataTypeID: number;
}

/** What preparing a query told us. */
export interface DescribedQuery {
  query: ParsedQuery;
  paramTypeIDs: number[];
  /** null: the statement returns no rows (NoData). */
  fields: DescribedField[] | null;
}

/**
 * Prepares every query (Parse + Describe over PGlite's wire protocol, never
 * executed) and returns parameter and column types. Every invalid query is
 * reported at once in one `SQLGEN_QUERY_INVALID` error, each as
 * `file:line:column: Query: PostgreSQL's message (SQLSTATE)`.
 */
export async function describeQueries(db: PGlite, queries: readonly ParsedQuery[]): Promise<DescribedQuery[]> {
  const described: DescribedQuery[] = [];
  const problems: SqlgenProblem[] = [];
  for (const query of queries) {
    const { messages } = await db.execProtocol(Buffer.concat([parseMessage(query.sql), describeMessage(), syncMessage()]), {
      throwOnError: false,
    });
    const error = messages.find((m) => m.name === 'error') as (Error & { code?: string; position?: string }) | undefined;
    if (error) {
      const sqlOffset = error.position ? Number(error.position) - 1 : 0;
      const srcOffset = query.sourceOffset(sqlOffset);
      const lineStart = query.source.lastIndexOf('\n', srcOffset - 1) + 1;
      problems.push({
        code: 'SQLGEN_QUERY_INVALID',
        file: query.file,
        line: error.position ? query.sourceLine + countNewlines(query.source, srcOffset) : query.line,
        ...(error.position ? { column: srcOffset - lineStart + 1 } : {}),
        query: query.name,
        message: `${query.name}: ${error.message}${error.code ? ` (SQLSTATE ${error.code})` : ''}`,
        ...(error.code ? { sqlState: error.code } : {}),
      });
      continue;
    }
    const params = messages.find((m) => m.name === 'parameterDescription') as unknown as { dataTypeIDs: number[] } | undefined;
    const rows = messages.find((m) => m.name === 'rowDescription') as unknown as { fields: DescribedField[] } | undefined;
    described.push({
      query,
      paramTypeIDs: params?.dataTypeIDs ?? [],
      fields: rows ? rows.fields.map((f) => ({ name: f.name, tableID: f.tableID, columnID: f.columnID, dataTypeID: f.dataTypeID })) : null,
    });
  }
  if (problems.length > 0) {
    const text = problems.map((p) => `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}: ${p.message}`).join('\n');
    throw new SqlgenError('SQLGEN_QUERY_INVALID', text, { problems });
  }
  return described;
}

// PostgreSQL frontend messages (https://www.postgresql.org/docs/current/protocol-message-formats.html).
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (text: string): Buffer => Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);

/** Parse of the unnamed statement, with no parameter types given: the server infers them. */
function parseMessage(sql: string): Buffer {
  return message('P', Buffer.concat([cstring(''), cstring(sql), Buffer.from([0, 0])]));
}

function describeMessage(): Buffer {
  return message('D', Buffer.concat([Buffer.from('S', 'latin1'), cstring('')]));
}

function syncMessage(): Buffer {
  return message('S', Buffer.alloc(0));
}

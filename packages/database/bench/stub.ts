import type pg from 'pg';

import type { Driver, Executor } from '@coder/database';
import {
  getExternalAuthLinkSql,
  insertExternalAuthLinkSql,
  insertUserSql,
  updateExternalAuthLinkSql,
  updateExternalAuthLinkTokensSql,
} from '../src/queries.gen.js';

type Row = Record<string, unknown>;

/**
 * A driver with no database behind it: an executor that answers the few
 * statements the benchmark runs from a map, at the cost of one resolved
 * promise. The layers over it cost only their own CPU, so the difference
 * between two stacks is the layer's cost per call, free of network and
 * server noise. Everything else answers no rows.
 */
export function stubDriver(): Driver {
  const links = new Map<string, Row>();
  const key = (provider: unknown, user: unknown) => `${String(provider)}\u0000${String(user)}`;
  const result = (rows: Row[], rowCount = rows.length) => ({ rows, rowCount, command: '', oid: 0, fields: [] }) as unknown as pg.QueryResult;
  const executor: Executor = {
    async query<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
      const v = values;
      if (text === getExternalAuthLinkSql) {
        const row = links.get(key(v[0], v[1]));
        return result(row ? [{ ...row }] : []) as pg.QueryResult<R>;
      }
      if (text === insertExternalAuthLinkSql) {
        const row: Row = {
          provider_id: v[0], user_id: v[1], created_at: v[2], updated_at: v[3],
          oauth_access_token: v[4], oauth_access_token_key_id: v[5], oauth_refresh_token: v[6], oauth_refresh_token_key_id: v[7],
          oauth_expiry: v[8], oauth_extra: v[9] === null ? null : JSON.parse(String(v[9])), oauth_refresh_failure_reason: '',
        };
        links.set(key(v[0], v[1]), row);
        return result([{ ...row }]) as pg.QueryResult<R>;
      }
      if (text === updateExternalAuthLinkSql || text === updateExternalAuthLinkTokensSql) {
        const row = links.get(key(v[7], v[8]));
        if (!row || (text === updateExternalAuthLinkTokensSql && row['oauth_refresh_token'] !== v[9])) return result([], 0) as pg.QueryResult<R>;
        Object.assign(row, {
          updated_at: v[0], oauth_access_token: v[1], oauth_access_token_key_id: v[2], oauth_refresh_token: v[3],
          oauth_refresh_token_key_id: v[4], oauth_expiry: v[5], oauth_extra: v[6] === null ? null : JSON.parse(String(v[6])),
          oauth_refresh_failure_reason: '',
        });
        return result(text === updateExternalAuthLinkSql ? [{ ...row }] : [], 1) as pg.QueryResult<R>;
      }
      if (text === insertUserSql) {
        return result([{ id: v[0], username: v[1], name: v[2], created_at: new Date(), updated_at: new Date() }]) as pg.QueryResult<R>;
      }
      return result([], 0) as pg.QueryResult<R>;
    },
  };
  return {
    kind: 'postgres',
    location: 'stub (no database)',
    pool: executor as unknown as pg.Pool,
    databaseName: 'stub',
    close: async () => {},
  };
}

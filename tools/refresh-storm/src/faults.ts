import { setTimeout as sleep } from 'node:timers/promises';

import type { Driver } from '@coder/database';
import { externalAuthLockKey } from '@coder/externalauth';

/**
 * Timeouts the storm gives the protected refresher when it injects faults or
 * runs the `flaky` provider, so every fault resolves in well under a second:
 * a refresh waits at most `lockTimeoutMs` for another replica's lock before
 * backing off and trying again; the `flaky` provider's slow answer takes
 * `slowProviderMs` (longer than the lock timeout, shorter than the provider
 * timeout); a stall holds the links table for `stallMs` (longer than the
 * replicas' `statementTimeoutMs`).
 */
export const FAULT_TIMING = {
  lockTimeoutMs: 250,
  providerTimeoutMs: 5_000,
  statementTimeoutMs: 1_000,
  slowProviderMs: 750,
  stallMs: 1_500,
  retry: { attempts: 12, baseDelayMs: 25, maxDelayMs: 400 },
} as const;

/** The application_name of replica `replica`'s connections (set by replica-process.ts). */
export const replicaApplicationName = (replica: number) => `refresh-storm-r${replica}`;

/**
 * Drops every database connection of one replica (pg_terminate_backend), as a
 * network failover or an administrator would. Returns how many were dropped.
 */
export async function dropConnections(driver: Driver, replica: number): Promise<number> {
  const { rows } = await driver.pool.query<{ dropped: string }>(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS dropped
       FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
    [replicaApplicationName(replica)],
  );
  return Number(rows[0]?.dropped ?? 0);
}

/**
 * Makes the replicas' statements exceed their statement_timeout: waits until
 * no refresh of these links is inside its critical section (by taking every
 * link's refresh lock), then locks the links table for `holdMs`. Reads queue
 * behind it and fail with SQLSTATE 57014; refreshes waiting for a lock time
 * out (55P03). Both must be retried, never break a link. (A statement timeout
 * after the provider answered is the dropped-connection case: the refresh
 * loses its exclusion, see the README.)
 */
export async function stallLinks(driver: Driver, providerId: string, userIds: readonly string[], holdMs: number): Promise<void> {
  const client = await driver.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = '20s'`);
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k', [userIds.map((u) => externalAuthLockKey(providerId, u))]);
    await client.query('LOCK TABLE external_auth_links IN ACCESS EXCLUSIVE MODE');
    await sleep(holdMs);
    await client.query('COMMIT');
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release(broken);
  }
}

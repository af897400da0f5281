import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';

import pino from 'pino';
import type { Logger } from 'pino';

import type { ExternalAuthLink, Store } from '@coder/database';

/** A fresh base64 32-byte key. */
export const newKey = (): string => randomBytes(32).toString('base64');

/** A pino logger writing JSON lines into `lines`, to assert on logs. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>>; text: () => string } {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, text: () => raw.join('\n') };
}

export async function insertUser(store: Store, id = randomUUID()): Promise<string> {
  await store.insertUser({ id, username: `u-${id.slice(0, 8)}`, name: '' });
  return id;
}

export function linkParams(userId: string, providerId = 'github', access = 'gho_access', refresh = 'ghr_refresh') {
  const now = new Date();
  return {
    providerId,
    userId,
    createdAt: now,
    updatedAt: now,
    oauthAccessToken: access,
    oauthAccessTokenKeyId: null,
    oauthRefreshToken: refresh,
    oauthRefreshTokenKeyId: null,
    oauthExpiry: new Date(now.getTime() + 3_600_000),
    oauthExtra: { scope: 'repo' },
  };
}

export type Link = ExternalAuthLink;

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected an error, got none');
}

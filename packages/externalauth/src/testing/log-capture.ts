import { Writable } from 'node:stream';

import { pino } from 'pino';
import type { Logger } from 'pino';

/**
 * A pino logger that keeps every line, so tests can assert what was logged
 * and, above all, that no token value ever was.
 *
 * @example
 * const logs = captureLogs();
 * new TokenRefresher(store, { providers, logger: logs.logger });
 * expect(logs.text()).not.toContain(refreshToken);
 */
export function captureLogs(level: pino.Level = 'debug'): { logger: Logger; lines(): Array<Record<string, unknown>>; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = pino({ level }, stream);
  return {
    logger,
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, it } from 'vitest';

import { SingleFlight } from '@coder/externalauth';

describe('SingleFlight', () => {
  it('runs the work once for concurrent callers with one key', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    const work = async () => {
      runs++;
      await sleep(20);
      return 42;
    };
    expect(await Promise.all([flight.do('k', work), flight.do('k', work), flight.do('other', work)])).toEqual([42, 42, 42]);
    expect(runs).toBe(2);
    expect(flight.size).toBe(0);
  });

  it('starts nothing for a caller that has already given up', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    await expect(flight.do('k', async () => ++runs, { signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
    expect(runs).toBe(0);
  });

  it('never leaves an unhandled rejection when every caller gave up before the work failed', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const flight = new SingleFlight<number>();
      const controller = new AbortController();
      const caller = flight.do('k', async () => {
        await sleep(20);
        throw new Error('refresh rejected');
      }, { signal: controller.signal });
      controller.abort(new Error('build cancelled'));
      await expect(caller).rejects.toThrow('build cancelled');
      await sleep(50);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

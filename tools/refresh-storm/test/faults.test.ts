import { describe, expect, it } from 'vitest';

import { postgresUrl } from '@coder/database/testing';
import { PROVIDER_KINDS, protectedHeld, runStorm } from '@coder/refresh-storm';

// The bounded CI version of `refresh-storm --processes 3 --provider all --faults`: real
// child processes on real PostgreSQL, every provider behaviour, every fault kind.
describe.skipIf(!postgresUrl())('refresh storm with replica processes and faults on PostgreSQL', () => {
  it('keeps every invariant against every provider; the only loss is the unavoidable one, counted', { timeout: 110_000 }, async () => {
    const report = await runStorm({
      replicas: 3,
      processes: true,
      faults: true,
      users: 3,
      builds: 4,
      rounds: 3,
      modes: ['protected'],
      provider: 'all',
      databaseUrl: postgresUrl()!,
    });
    expect(report.processes).toBe(3);
    expect(report.faults).toBe(true);
    expect(report.legacyLinkSurvivedRename).toBe(true);
    expect(report.tokensInLogs).toBe(0);
    // The replica processes ran the full Store stack with the key sent over IPC; it never reached a log.
    expect(report).toMatchObject({ encryption: true, keyInLogs: false, plaintextLinksAtRest: 0 });
    expect(report.modes.map((m) => m.provider)).toEqual([...PROVIDER_KINDS]);
    for (const result of report.modes) {
      const inv = result.invariants;
      const where = `provider ${result.provider}: ${JSON.stringify(inv)}`;
      expect(inv.refreshCallsPerUserRound.unexplained, where).toBe(0);
      expect(inv.refreshTokenReuses?.unexplained ?? 0, where).toBe(0);
      expect(inv.linksNeedingReauth.unexplained, where).toBe(0);
      expect(inv.familiesRevoked.unexplained, where).toBe(0);
      expect(inv.buildsFailed.infrastructure.unexplained, where).toBe(0);
      expect(inv.buildsFailed.invalidToken.unexplained, where).toBe(0);
      expect(inv.buildsFailed.deadToken.unexplained, where).toBe(0);
      // Losses are counted, never hidden: every lost link is one of them.
      expect(inv.unavoidableLoss.linksLost, where).toBeLessThanOrEqual(inv.unavoidableLoss.events);
      expect(inv.linksNeedingReauth.explainedByLoss, where).toBe(inv.unavoidableLoss.linksLost);
      if (!['oidc', 'flaky', 'github'].includes(result.provider)) expect(inv.unavoidableLoss.linksLost, where).toBe(0);
      expect(inv.held, where).toBe(true);
      expect(protectedHeld(result)).toBe(true);

      const faults = new Map(result.faults.map((f) => [f.fault, f]));
      for (const kill of ['kill before-provider', 'kill after-provider', 'kill committed']) {
        expect(faults.get(kill)?.injected, `${result.provider} ${kill}`).toBe(1);
      }
      expect(faults.get('drop connections')?.injected).toBe(3);
      expect(faults.get('statement timeout')?.injected).toBe(3);
      const fired = result.faults.filter((f) => f.fault.startsWith('kill')).reduce((n, f) => n + f.fired, 0);
      const restarted = result.faults.reduce((n, f) => n + f.replicasRestarted, 0);
      // Every replica that died was killed by a fault, and restarted.
      expect(restarted, result.provider).toBe(fired);
    }
    // Across the matrix some kills must land (a replica may win no lock in a round).
    expect(report.modes.flatMap((m) => m.faults).filter((f) => f.fault.startsWith('kill')).reduce((n, f) => n + f.fired, 0)).toBeGreaterThan(0);
    const flaky = report.modes.find((m) => m.provider === 'flaky')!;
    expect(flaky.faults.map((f) => f.fault)).toEqual(expect.arrayContaining(['HTTP 5xx', 'HTTP 429 Retry-After', 'connection reset', 'slower than the lock timeout']));
    expect(report.modes.find((m) => m.provider === 'github')!.faults.map((f) => f.fault)).toContain('HTTP 403 rate limit');
  });
});

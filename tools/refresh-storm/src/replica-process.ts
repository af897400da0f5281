// One server replica as its own operating-system process (refresh-storm
// --processes): its own pg pool, full Store stack (openStore: encryption with
// the key the coordinator sent over IPC, authorization on) and refresher;
// builds over IPC, each run as its user's actor. Logs go to
// stdout, which the coordinator scans for token values. Started by
// process-replicas.ts with fork(); not meant to be run by hand.
import { performance } from 'node:perf_hooks';

import { pino } from 'pino';

import { openDriver, openStore } from '@coder/database';
import type { Driver, Store } from '@coder/database';
import type { FromReplica, ToReplica } from './replica-protocol.js';
import { obtainAsUser, replicaHook, toBuildResult } from './replicas.js';
import type { KillStep } from './replicas.js';
import { createTokenSource } from './strategies.js';
import type { TokenSource } from './strategies.js';

if (!process.send) throw new Error('replica-process must be started by the refresh storm (fork with an IPC channel)');

const logger = pino({ level: 'info' });
let driver: Driver | undefined;
let store: Store | undefined;
let replica = -1;
let source: TokenSource | undefined;
let armed: KillStep | null = null;
/**
 * Users whose refresh reached the provider and whose new tokens are not stored
 * yet: from the provider call (it may rotate before we read the answer) to the
 * commit. A process dying now loses their rotated tokens.
 */
const unstored = new Set<string>();

function send(message: FromReplica): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

/** Dies like a replica the orchestrator loses: SIGKILL, no cleanup, the connection drops with it. */
function killAt(step: string, answer: string | undefined, userId: string): Promise<void> | undefined {
  if (step === 'before-provider') unstored.add(userId);
  if (step === 'start' || step === 'committed' || step === 'exclusion-lost' || (step === 'after-provider' && answer !== 'refreshed')) unstored.delete(userId);
  if (!armed || step !== armed) return undefined;
  // After the provider answered: only a real rotation makes the kill interesting (and costly).
  if (step === 'after-provider' && answer !== 'refreshed') return undefined;
  const at = armed;
  armed = null;
  return new Promise<void>(() => {
    // Every refresh of this process caught between the provider's answer and the commit dies too.
    process.send!({ type: 'dying', step: at, userId, lost: [...unstored].filter((id) => step !== 'before-provider' || id !== userId) } satisfies FromReplica, () => process.kill(process.pid, 'SIGKILL'));
  });
}

async function handle(message: ToReplica): Promise<void> {
  switch (message.type) {
    case 'init': {
      replica = message.replica;
      const url = new URL(message.databaseUrl);
      // Named, so the storm can find this replica's backends (pg_terminate_backend).
      url.searchParams.set('application_name', `refresh-storm-r${replica}`);
      driver = await openDriver(url.toString(), {
        poolSize: message.poolSize,
        ...(message.statementTimeoutMs ? { statementTimeoutMs: message.statementTimeoutMs } : {}),
      });
      // The key stays in this process's memory: never logged, never in argv or the environment.
      ({ store } = await openStore({ driver, encryptionKeys: message.encryptionKey, logger, authorize: true }));
      await send({ type: 'ready' });
      return;
    }
    case 'configure': {
      const { config } = message;
      const hook = replicaHook(config, (userId) => void send({ type: 'connection-lost-mid-refresh', userId }), killAt);
      source = createTokenSource(config.mode, store!, config.provider, logger.child({ mode: config.mode, replica }), {
        ...(config.lockTimeoutMs !== undefined ? { lockTimeoutMs: config.lockTimeoutMs } : {}),
        ...(config.providerTimeoutMs !== undefined ? { providerTimeoutMs: config.providerTimeoutMs } : {}),
        ...(config.retry ? { retry: config.retry } : {}),
        hook,
      });
      await send({ type: 'configured' });
      return;
    }
    case 'builds':
      for (const build of message.builds) {
        const started = performance.now();
        obtainAsUser(source!, build.providerId, build.userId).then(
          (token) => send({ type: 'result', id: build.id, result: toBuildResult({ token }, started) }),
          (error: unknown) => send({ type: 'result', id: build.id, result: toBuildResult({ error }, started) }),
        );
      }
      return;
    case 'arm-kill':
      armed = message.step;
      return;
    case 'shutdown':
      await driver?.close();
      process.exit(0);
  }
}

process.on('message', (message: ToReplica) => {
  handle(message).catch((error: unknown) => {
    process.stderr.write(`replica ${replica}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  });
});
// The coordinator is gone: nothing left to serve.
process.on('disconnect', () => process.exit(0));

import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { FromReplica, ToReplica } from './replica-protocol.js';
import type { BuildResult, KillStep, ReplicaConfig, ReplicaEvent, ReplicaSet } from './replicas.js';

export interface ProcessReplicaOptions {
  /** The (scratch) PostgreSQL database every replica connects to. */
  databaseUrl: string;
  /**
   * The encryption key (base64 of 32 bytes) every replica's Store stack uses;
   * sent over the IPC channel only, never printed. Register it first (open a
   * stack with it in this process) so the replicas only check it.
   */
  encryptionKey: string;
  /** Connections per replica pool. */
  poolSize?: number;
  /** statement_timeout of every replica connection (0/undefined: none). */
  statementTimeoutMs?: number;
}

interface Slot {
  child: ChildProcess;
  /** Resolves once the child is connected and configured. */
  up: Promise<void>;
  /** Builds not answered yet: resent to the replacement if the child dies. */
  pending: Map<number, { providerId: string; userId: string }>;
  /** Ids of the pending builds this child was sent. */
  sent: Set<number>;
  onConfigured?: (() => void) | undefined;
  stopping: boolean;
}

/**
 * The child entry and how to run it: TypeScript sources through tsx in
 * development (as `pnpm start` runs), the built JavaScript from dist.
 */
function childEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { file: path.join(path.dirname(here), 'replica-process.ts'), execArgv: ['--conditions=@coder/source', '--import', tsx] };
  }
  return { file: path.join(path.dirname(here), 'replica-process.js'), execArgv: [] };
}

/**
 * `count` replicas as real Node child processes, each with its own pg pool
 * and its own full Store stack (openStore: encryption with the key sent over
 * IPC, authorization on; builds run as their user's actor), results over IPC. A replica that dies (killed by a fault) is restarted at
 * once, configured like the others, and its unanswered builds are sent to the
 * new process, as an orchestrator would retry them. Everything the children
 * print is kept for the token scan (`output()`).
 *
 * @example
 * const replicas = await startProcessReplicas(3, { databaseUrl, encryptionKey });
 * await replicas.configure({ mode: 'protected', provider: config });
 * const result = await replicas.obtain(0, 'oidc', userId);
 */
export async function startProcessReplicas(count: number, options: ProcessReplicaOptions): Promise<ReplicaSet & { output(): string }> {
  const entry = childEntry();
  const output: string[] = [];
  const waiting = new Map<number, (result: BuildResult) => void>();
  let events: ReplicaEvent[] = [];
  let config: ReplicaConfig | undefined;
  let overrides: ReadonlyArray<Partial<ReplicaConfig>> = [];
  let nextId = 1;
  let restarts = 0;
  let buildsRetried = 0;
  let closing = false;
  const slots: Slot[] = [];

  const send = (slot: Slot, message: ToReplica) => {
    if (slot.child.connected) slot.child.send(message);
  };

  /** Sends a live child every pending build it has not been sent yet. */
  const flush = (slot: Slot) => {
    const builds = [...slot.pending].filter(([id]) => !slot.sent.has(id)).map(([id, build]) => ({ id, ...build }));
    for (const build of builds) slot.sent.add(build.id);
    if (builds.length) send(slot, { type: 'builds', builds });
  };

  const configureSlot = (slot: Slot, next: ReplicaConfig) =>
    new Promise<void>((resolve) => {
      slot.onConfigured = resolve;
      send(slot, { type: 'configure', config: next });
    });

  const start = (replica: number, pending = new Map<number, { providerId: string; userId: string }>()): Slot => {
    const child = fork(entry.file, [], { execArgv: entry.execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const slot: Slot = { child, pending, sent: new Set(), stopping: false, up: Promise.resolve() };
    let onReady: (() => void) | undefined;
    let failStart: ((error: Error) => void) | undefined;
    child.on('message', (message: FromReplica) => {
      switch (message.type) {
        case 'ready':
          onReady?.();
          return;
        case 'configured':
          slot.onConfigured?.();
          return;
        case 'result': {
          slot.pending.delete(message.id);
          const resolve = waiting.get(message.id);
          waiting.delete(message.id);
          resolve?.(message.result);
          return;
        }
        case 'dying':
          events.push({ kind: 'killed', replica, step: message.step, userId: message.userId, lost: message.lost });
          return;
        case 'connection-lost-mid-refresh':
          events.push({ kind: 'connection-lost-mid-refresh', replica, userId: message.userId });
      }
    });
    child.on('exit', (code, signal) => {
      failStart?.(new Error(`replica ${replica} exited during start-up (${signal ?? `code ${code}`}): ${output.join('').slice(-500)}`));
      if (closing || slot.stopping) return;
      // Restart it and retry what it had in hand.
      restarts++;
      buildsRetried += slot.pending.size;
      const replacement = start(replica, slot.pending);
      slots[replica] = replacement;
      replacement.up.then(
        () => flush(replacement),
        (error: unknown) => {
          for (const id of replacement.pending.keys()) {
            waiting.get(id)?.({ ms: 0, error: { name: 'ReplicaStartError', message: String(error) } });
            waiting.delete(id);
          }
        },
      );
    });
    slot.up = (async () => {
      await new Promise<void>((resolve, reject) => {
        onReady = resolve;
        failStart = reject;
        send(slot, {
          type: 'init',
          databaseUrl: options.databaseUrl,
          encryptionKey: options.encryptionKey,
          replica,
          poolSize: options.poolSize ?? 10,
          ...(options.statementTimeoutMs ? { statementTimeoutMs: options.statementTimeoutMs } : {}),
        });
      });
      if (config) await configureSlot(slot, { ...config, ...overrides[replica] });
      failStart = undefined;
    })();
    // A start-up failure is reported through whoever awaits `up`.
    slot.up.catch(() => {});
    return slot;
  };

  for (let i = 0; i < count; i++) slots.push(start(i));
  try {
    await Promise.all(slots.map((slot) => slot.up));
  } catch (error) {
    closing = true;
    for (const slot of slots) slot.child.kill('SIGKILL');
    throw error;
  }

  return {
    count,
    output: () => output.join(''),
    async configure(next, perReplica = []) {
      config = next;
      overrides = perReplica;
      await Promise.all(
        slots.map(async (slot, replica) => {
          await slot.up;
          await configureSlot(slot, { ...next, ...perReplica[replica] });
        }),
      );
    },
    obtain(replica, providerId, userId) {
      const id = nextId++;
      const slot = slots[replica]!;
      slot.pending.set(id, { providerId, userId });
      const answer = new Promise<BuildResult>((resolve) => waiting.set(id, resolve));
      slot.up.then(() => flush(slot), () => {});
      return answer;
    },
    armKill(replica, step: KillStep) {
      send(slots[replica]!, { type: 'arm-kill', step });
    },
    disarmKills() {
      for (const slot of slots) send(slot, { type: 'arm-kill', step: null });
    },
    drainEvents() {
      const drained = events;
      events = [];
      return drained;
    },
    restarts: () => ({ restarts, buildsRetried }),
    async close() {
      closing = true;
      await Promise.all(
        slots.map(
          (slot) =>
            new Promise<void>((resolve) => {
              slot.stopping = true;
              if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
              slot.child.once('exit', () => resolve());
              send(slot, { type: 'shutdown' });
              setTimeout(() => slot.child.kill('SIGKILL'), 5_000).unref();
            }),
        ),
      );
    },
  };
}

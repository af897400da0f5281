import type { BuildResult, KillStep, ReplicaConfig } from './replicas.js';

/** Coordinator → replica process. */
export type ToReplica =
  /** `encryptionKey`: the storm's key (base64), over IPC only: never in argv, env or a log. */
  | { type: 'init'; databaseUrl: string; encryptionKey: string; replica: number; statementTimeoutMs?: number; poolSize: number }
  | { type: 'configure'; config: ReplicaConfig }
  | { type: 'builds'; builds: Array<{ id: number; providerId: string; userId: string }> }
  | { type: 'arm-kill'; step: KillStep | null }
  | { type: 'shutdown' };

/** Replica process → coordinator. */
export type FromReplica =
  | { type: 'ready' }
  | { type: 'configured' }
  | { type: 'result'; id: number; result: BuildResult }
  /** `lost`: users whose provider answer was not stored yet when the process died. */
  | { type: 'dying'; step: KillStep; userId: string; lost: string[] }
  | { type: 'connection-lost-mid-refresh'; userId: string };

import type { BuildResult, KillStep, ReplicaConfig } from './replicas.js';

/** Coordinator → replica process. */
export type ToReplica =
  | { type: 'init'; databaseUrl: string; replica: number; statementTimeoutMs?: number; poolSize: number }
  | { type: 'configure'; config: ReplicaConfig }
  | { type: 'builds'; builds: Array<{ id: number; providerId: string; userId: string }> }
  | { type: 'arm-kill'; step: KillStep | null }
  | { type: 'shutdown' };

/** Replica process → coordinator. */
export type FromReplica =
  | { type: 'ready' }
  | { type: 'configured' }
  | { type: 'result'; id: number; result: BuildResult }
  | { type: 'dying'; step: KillStep; userId: string }
  | { type: 'store-failed'; userId: string };

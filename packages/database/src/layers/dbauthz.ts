import { AsyncLocalStorage } from 'node:async_hooks';

import { DatabaseError } from '../errors.js';
import { QUERIER_METHODS } from '../queries.gen.js';
import type { Querier } from '../queries.gen.js';
import type { Store } from '../store.js';

/** Who is calling: a user (`id` is the user's id) or the system. */
export interface Actor {
  readonly id: string;
  readonly roles: readonly string[];
}

/** The role that grants every method: background work, start-up, key management. */
export const SYSTEM_ROLE = 'system';

/** The actor of background work (refresh loops, migrations, `coder-db dbcrypt`). */
export const SYSTEM_ACTOR: Actor = Object.freeze({ id: 'system', roles: Object.freeze([SYSTEM_ROLE]) });

const actorStorage = new AsyncLocalStorage<Actor>();

/**
 * Runs `fn` with `actor` as the caller of every store method it makes,
 * across awaits (AsyncLocalStorage).
 *
 * @example
 * await asActor({ id: userId, roles: ['member'] }, () => store.getExternalAuthLink({ providerId, userId }));
 * await asActor(SYSTEM_ACTOR, () => store.listUserLinks({ ... }));
 */
export function asActor<T>(actor: Actor, fn: () => T): T {
  return actorStorage.run(actor, fn);
}

/** The actor of the current async context, if any. */
export function currentActor(): Actor | undefined {
  return actorStorage.getStore();
}

/** Who may call a method: the system only, any actor, or the user the parameters name. */
export type Policy =
  | { kind: 'system' }
  | { kind: 'any' }
  | { kind: 'owner'; userId: (params: never) => string };

const system: Policy = { kind: 'system' };
const owner = <P>(userId: (params: P) => string): Policy => ({ kind: 'owner', userId: userId as (params: never) => string });

/**
 * The access rule of every Querier method. Typed as a Record over every
 * method, so a new query does not compile until it has a rule here (and the
 * authorization test fails until it has a test).
 */
export const AUTHZ_POLICIES: Record<keyof Querier, Policy> = {
  // A user reads, changes and deletes only their own external auth links.
  getExternalAuthLink: owner((p: { userId: string }) => p.userId),
  getExternalAuthLinksByUserID: owner((p: { userId: string }) => p.userId),
  insertExternalAuthLink: owner((p: { userId: string }) => p.userId),
  updateExternalAuthLink: owner((p: { userId: string }) => p.userId),
  updateExternalAuthLinkTokens: owner((p: { userId: string }) => p.userId),
  updateExternalAuthLinkRefreshToken: owner((p: { userId: string }) => p.userId),
  deleteExternalAuthLink: owner((p: { userId: string }) => p.userId),
  // Whole-table walks and raw re-encryption: key management, system only.
  listExternalAuthLinks: system,
  updateExternalAuthLinkEncryption: system,
  // The refresh lock is scoped to one transaction and guards no data itself;
  // any identified caller that refreshes a token takes it.
  acquireRefreshLock: { kind: 'any' },
  // The login link (user_links) is the platform's own: system only.
  getUserLinkByUserIDLoginType: system,
  insertUserLink: system,
  updateUserLink: system,
  updateUserLinkTokens: system,
  updateUserLinkRefreshToken: system,
  deleteUserLink: system,
  listUserLinks: system,
  updateUserLinkEncryption: system,
  // Key management: system only.
  getDBCryptKeys: system,
  insertDBCryptKey: system,
  revokeDBCryptKey: system,
  // Users: a user reads themself; creating users is the system's job.
  getUserByID: owner((p: { id: string }) => p.id),
  insertUser: system,
};

/**
 * Checks every call against `AUTHZ_POLICIES` for the actor in the current
 * async context. No actor is an error (`DB_NO_ACTOR`), never full access; a
 * refused call throws `DB_NOT_AUTHORIZED` before any SQL runs.
 *
 * @example
 * const store = withDbauthz(inner);
 * await asActor(SYSTEM_ACTOR, () => store.insertUser({ id, username, name }));
 */
export function withDbauthz(inner: Store): Store {
  const store = { ...inner } as Store;
  const checked = store as unknown as Record<string, (params: unknown) => Promise<unknown>>;
  for (const method of QUERIER_METHODS) {
    const call = (inner as unknown as Record<string, (params: unknown) => Promise<unknown>>)[method]!;
    const policy = AUTHZ_POLICIES[method];
    checked[method] = async (params: unknown) => {
      authorize(method, policy, params);
      return call(params);
    };
  }
  store.inTx = (fn, options) => {
    requireActor('inTx');
    return inner.inTx((tx) => fn(withDbauthz(tx)), options);
  };
  return store;
}

function requireActor(method: string): Actor {
  const actor = actorStorage.getStore();
  if (!actor) {
    throw new DatabaseError('DB_NO_ACTOR', `${method}: no actor in context; wrap the call in asActor(actor, fn) (SYSTEM_ACTOR for background work)`);
  }
  return actor;
}

function authorize(method: string, policy: Policy, params: unknown): void {
  const actor = requireActor(method);
  if (actor.roles.includes(SYSTEM_ROLE)) return;
  if (policy.kind === 'any') return;
  if (policy.kind === 'owner' && params !== null && typeof params === 'object') {
    const userId = (policy.userId as (p: unknown) => string)(params);
    if (userId === actor.id) return;
    throw new DatabaseError('DB_NOT_AUTHORIZED', `${method}: actor ${actor.id} may not access the data of user ${userId}`);
  }
  throw new DatabaseError('DB_NOT_AUTHORIZED', `${method}: only the system actor may call this (actor ${actor.id}, roles ${actor.roles.join(',') || 'none'})`);
}

import type { Adapter, AdapterPayload } from 'oidc-provider';

export interface MemoryAdapterOptions {
  /**
   * A consumed refresh token is still accepted for this many seconds (the
   * reuse grace period Auth0 and Okta offer): a reuse inside it rotates again
   * instead of revoking the family. Default 0: strict.
   */
  reuseGraceSeconds?: number;
}

/**
 * oidc-provider's storage, in a Map. The package's own in-memory adapter
 * works the same but prints a production warning at every start; this one is
 * explicit that it is for tests and demos. Reuse detection and family
 * revocation are the provider's logic, untouched: `consume` marks, and a
 * second use of a consumed refresh token makes the provider revoke the grant,
 * unless it comes within `reuseGraceSeconds` (the adapter then hides the mark,
 * as /work/shared/reference/oidc-provider-probe.mjs does with GRACE_S).
 */
export function memoryAdapter(options: MemoryAdapterOptions = {}): new (model: string) => Adapter {
  const graceSeconds = options.reuseGraceSeconds ?? 0;
  const store = new Map<string, AdapterPayload>();
  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}

    #key(id: string) {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload) {
      store.set(this.#key(id), structuredClone(payload));
    }

    async find(id: string) {
      const value = store.get(this.#key(id));
      if (!value) return undefined;
      const copy = structuredClone(value);
      if (graceSeconds > 0 && this.model === 'RefreshToken' && typeof copy.consumed === 'number' && Date.now() / 1000 - copy.consumed <= graceSeconds) {
        delete copy.consumed;
      }
      return copy;
    }

    async findByUid(uid: string) {
      for (const [key, value] of store) if (key.startsWith(`${this.model}:`) && value.uid === uid) return structuredClone(value);
      return undefined;
    }

    async findByUserCode(userCode: string) {
      for (const [key, value] of store) if (key.startsWith(`${this.model}:`) && value.userCode === userCode) return structuredClone(value);
      return undefined;
    }

    async consume(id: string) {
      const value = store.get(this.#key(id));
      // The first use starts the grace period; later uses inside it do not extend it.
      if (value && !value.consumed) value.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string) {
      store.delete(this.#key(id));
    }

    async revokeByGrantId(grantId: string) {
      for (const [key, value] of store) if (value.grantId === grantId) store.delete(key);
    }
  };
}

import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * oidc-provider's storage, in a Map. The package's own in-memory adapter
 * works the same but prints a production warning at every start; this one is
 * explicit that it is for tests and demos. Reuse detection and family
 * revocation are the provider's logic, untouched: `consume` marks, and a
 * second use of a consumed refresh token makes the provider revoke the grant.
 */
export function memoryAdapter(): new (model: string) => Adapter {
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
      return value && structuredClone(value);
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
      if (value) value.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string) {
      store.delete(this.#key(id));
    }

    async revokeByGrantId(grantId: string) {
      for (const [key, value] of store) if (value.grantId === grantId) store.delete(key);
    }
  };
}

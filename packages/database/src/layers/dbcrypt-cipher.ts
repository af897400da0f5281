import { createCipheriv, createDecipheriv, createHash, randomFillSync } from 'node:crypto';

import { DatabaseError } from '../errors.js';

/** AES-256-GCM: 12-byte random nonce per value, 16-byte tag. */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** One configured key. `id` is public (a digest); `key` never leaves this module's callers. */
export interface DbcryptKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The key id stored next to each value: the first 7 hex characters of the
 * key's SHA-256 (as coder's dbcrypt does). Safe to print.
 *
 * @example
 * keyDigest(Buffer.alloc(32)); // '66687aa'
 */
export function keyDigest(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 7);
}

/**
 * Parses `CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS`: comma-separated base64
 * 32-byte keys, the first one primary. Throws `DBCRYPT_KEYS_INVALID` naming
 * the position of a bad key (never its text).
 *
 * @example
 * const keys = parseEncryptionKeys(process.env.CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS ?? '');
 */
export function parseEncryptionKeys(value: string): DbcryptKey[] {
  if (value.trim() === '') return [];
  const keys = value.split(',').map((part, i) => {
    const text = part.trim();
    const key = Buffer.from(text, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== KEY_BYTES) {
      throw new DatabaseError('DBCRYPT_KEYS_INVALID', `encryption key #${i + 1} is not a base64-encoded ${KEY_BYTES}-byte key`);
    }
    return { id: keyDigest(key), key };
  });
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw new DatabaseError('DBCRYPT_KEYS_INVALID', 'the same encryption key is listed twice');
  return keys;
}

// Nonces are cut from a pool of CSPRNG bytes refilled 4 KiB at a time: one
// call into the random generator per 341 values instead of one per value,
// which was the costliest step of an encryption (node's randomUUID caches its
// entropy the same way). Every slice is used once, for one value.
const NONCE_POOL_BYTES = NONCE_BYTES * 341;
const noncePool = Buffer.alloc(NONCE_POOL_BYTES);
let nonceOffset = NONCE_POOL_BYTES;

function nextNonce(): Buffer {
  if (nonceOffset + NONCE_BYTES > NONCE_POOL_BYTES) {
    randomFillSync(noncePool);
    nonceOffset = 0;
  }
  // A view: createCipheriv and Buffer.concat copy it before the pool is refilled.
  const nonce = noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/** Encrypts `plaintext` (the empty string included) to base64(nonce ‖ ciphertext ‖ tag). */
export function encryptValue(key: DbcryptKey, plaintext: string): string {
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

/** Decrypts; throws a plain Error (the caller adds table, row and key id) when the value was altered. */
export function decryptValue(key: DbcryptKey, ciphertext: string): string {
  const raw = Buffer.from(ciphertext, 'base64');
  if (raw.length < NONCE_BYTES + TAG_BYTES) throw new Error('value is too short to be a ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}

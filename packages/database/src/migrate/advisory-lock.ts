import { crc32 } from 'node:zlib';

// golang-migrate's postgres driver locks with pg_advisory_lock(id), where id is
// crc32(schema \0 table \0 database) * salt (uint32 arithmetic), see
// database.GenerateAdvisoryLockId. Using the same id lets our runner and
// golang-migrate exclude each other on one database.
const ADVISORY_LOCK_SALT = 1486364155;

export function migrationLockId(databaseName: string, schema = 'public', table = 'schema_migrations'): string {
  const sum = crc32(Buffer.from([schema, table, databaseName].join('\x00')));
  return String(Math.imul(sum, ADVISORY_LOCK_SALT) >>> 0);
}

-- Keys of the encryption-at-rest layer (see src/layers/dbcrypt.ts).

-- name: GetDBCryptKeys :many
SELECT * FROM dbcrypt_keys ORDER BY number;

-- Registers a key at start-up; a key already registered is left as it is.
-- name: InsertDBCryptKey :exec
INSERT INTO dbcrypt_keys (active_key_digest, test)
VALUES (@active_key_digest, @test)
ON CONFLICT (active_key_digest) DO NOTHING;

-- Revokes a key. Fails (foreign key) while any value still uses it.
-- name: RevokeDBCryptKey :execrows
UPDATE dbcrypt_keys SET
    revoked_key_digest = active_key_digest,
    active_key_digest = NULL,
    revoked_at = now()
WHERE active_key_digest = @active_key_digest;

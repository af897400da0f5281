-- Keys of the encryption-at-rest layer. A key is known by a digest of it; a
-- revoked key moves from active_key_digest to revoked_key_digest, which the
-- foreign keys below forbid while any value still uses it.
CREATE TABLE dbcrypt_keys (
    number serial PRIMARY KEY,
    active_key_digest text UNIQUE,
    revoked_key_digest text UNIQUE,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    revoked_at timestamp with time zone,
    -- A value encrypted with the key, to check at start-up that it is the right key.
    test text NOT NULL
);

-- NULL key id: the column next to it holds plaintext.
ALTER TABLE git_auth_links
    ADD COLUMN oauth_access_token_key_id text REFERENCES dbcrypt_keys (active_key_digest),
    ADD COLUMN oauth_refresh_token_key_id text REFERENCES dbcrypt_keys (active_key_digest);

ALTER TABLE user_links
    ADD COLUMN oauth_access_token_key_id text REFERENCES dbcrypt_keys (active_key_digest),
    ADD COLUMN oauth_refresh_token_key_id text REFERENCES dbcrypt_keys (active_key_digest);

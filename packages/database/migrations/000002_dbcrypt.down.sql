ALTER TABLE user_links
    DROP COLUMN oauth_access_token_key_id,
    DROP COLUMN oauth_refresh_token_key_id;

ALTER TABLE git_auth_links
    DROP COLUMN oauth_access_token_key_id,
    DROP COLUMN oauth_refresh_token_key_id;

DROP TABLE dbcrypt_keys;

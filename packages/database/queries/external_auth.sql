-- name: GetExternalAuthLink :one
SELECT * FROM external_auth_links WHERE provider_id = @provider_id AND user_id = @user_id;

-- name: GetExternalAuthLinksByUserID :many
SELECT * FROM external_auth_links WHERE user_id = @user_id ORDER BY provider_id;

-- name: InsertExternalAuthLink :one
INSERT INTO external_auth_links (
    provider_id, user_id, created_at, updated_at,
    oauth_access_token, oauth_access_token_key_id,
    oauth_refresh_token, oauth_refresh_token_key_id,
    oauth_expiry, oauth_extra
) VALUES (
    @provider_id, @user_id, @created_at, @updated_at,
    @oauth_access_token, sqlc.narg(oauth_access_token_key_id),
    @oauth_refresh_token, sqlc.narg(oauth_refresh_token_key_id),
    sqlc.narg(oauth_expiry), sqlc.narg(oauth_extra)
)
RETURNING *;

-- Unconditional: a new sign-in replaces whatever the link held.
-- name: UpdateExternalAuthLink :one
UPDATE external_auth_links SET
    updated_at = @updated_at,
    oauth_access_token = @oauth_access_token,
    oauth_access_token_key_id = sqlc.narg(oauth_access_token_key_id),
    oauth_refresh_token = @oauth_refresh_token,
    oauth_refresh_token_key_id = sqlc.narg(oauth_refresh_token_key_id),
    oauth_expiry = sqlc.narg(oauth_expiry),
    oauth_extra = sqlc.narg(oauth_extra),
    oauth_refresh_failure_reason = ''
WHERE provider_id = @provider_id AND user_id = @user_id
RETURNING *;

-- Saves a refreshed token pair. Optimistic: changes nothing (0 rows) unless the
-- row still holds the refresh token that was exchanged.
-- name: UpdateExternalAuthLinkTokens :execrows
UPDATE external_auth_links SET
    updated_at = @updated_at,
    oauth_access_token = @oauth_access_token,
    oauth_access_token_key_id = sqlc.narg(oauth_access_token_key_id),
    oauth_refresh_token = @oauth_refresh_token,
    oauth_refresh_token_key_id = sqlc.narg(oauth_refresh_token_key_id),
    oauth_expiry = sqlc.narg(oauth_expiry),
    oauth_extra = sqlc.narg(oauth_extra),
    oauth_refresh_failure_reason = ''
WHERE provider_id = @provider_id AND user_id = @user_id
    AND oauth_refresh_token = @old_oauth_refresh_token;

-- Replaces the refresh token only (to '' when the provider rejected it),
-- recording why. Optimistic like UpdateExternalAuthLinkTokens.
-- name: UpdateExternalAuthLinkRefreshToken :execrows
UPDATE external_auth_links SET
    updated_at = @updated_at,
    oauth_refresh_token = @oauth_refresh_token,
    oauth_refresh_token_key_id = sqlc.narg(oauth_refresh_token_key_id),
    oauth_refresh_failure_reason = @oauth_refresh_failure_reason
WHERE provider_id = @provider_id AND user_id = @user_id
    AND oauth_refresh_token = @old_oauth_refresh_token;

-- name: DeleteExternalAuthLink :execrows
DELETE FROM external_auth_links WHERE provider_id = @provider_id AND user_id = @user_id;

-- Every link, a page at a time in key order (key rotation walks the table).
-- name: ListExternalAuthLinks :many
SELECT * FROM external_auth_links
WHERE (provider_id, user_id) > (@after_provider_id, @after_user_id::uuid)
ORDER BY provider_id, user_id
LIMIT @page_size::int;

-- Rewrites both token columns and their key ids (encryption, rotation,
-- decryption) without touching anything else. Compare-and-swap on the stored
-- values, so a refresh that lands in between is never overwritten.
-- name: UpdateExternalAuthLinkEncryption :execrows
UPDATE external_auth_links SET
    oauth_access_token = @oauth_access_token,
    oauth_access_token_key_id = sqlc.narg(oauth_access_token_key_id),
    oauth_refresh_token = @oauth_refresh_token,
    oauth_refresh_token_key_id = sqlc.narg(oauth_refresh_token_key_id)
WHERE provider_id = @provider_id AND user_id = @user_id
    AND oauth_access_token = @old_oauth_access_token
    AND oauth_refresh_token = @old_oauth_refresh_token;

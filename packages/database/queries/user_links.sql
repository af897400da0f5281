-- name: GetUserLinkByUserIDLoginType :one
SELECT * FROM user_links WHERE user_id = @user_id AND login_type = @login_type;

-- name: InsertUserLink :one
INSERT INTO user_links (
    user_id, login_type, linked_id,
    oauth_access_token, oauth_access_token_key_id,
    oauth_refresh_token, oauth_refresh_token_key_id,
    oauth_expiry
) VALUES (
    @user_id, @login_type, @linked_id,
    @oauth_access_token, sqlc.narg(oauth_access_token_key_id),
    @oauth_refresh_token, sqlc.narg(oauth_refresh_token_key_id),
    sqlc.narg(oauth_expiry)
)
RETURNING *;

-- Unconditional: a new sign-in replaces whatever the link held.
-- name: UpdateUserLink :one
UPDATE user_links SET
    oauth_access_token = @oauth_access_token,
    oauth_access_token_key_id = sqlc.narg(oauth_access_token_key_id),
    oauth_refresh_token = @oauth_refresh_token,
    oauth_refresh_token_key_id = sqlc.narg(oauth_refresh_token_key_id),
    oauth_expiry = sqlc.narg(oauth_expiry),
    oauth_refresh_failure_reason = ''
WHERE user_id = @user_id AND login_type = @login_type
RETURNING *;

-- Saves a refreshed token pair; optimistic on the old refresh token.
-- name: UpdateUserLinkTokens :execrows
UPDATE user_links SET
    oauth_access_token = @oauth_access_token,
    oauth_access_token_key_id = sqlc.narg(oauth_access_token_key_id),
    oauth_refresh_token = @oauth_refresh_token,
    oauth_refresh_token_key_id = sqlc.narg(oauth_refresh_token_key_id),
    oauth_expiry = sqlc.narg(oauth_expiry),
    oauth_refresh_failure_reason = ''
WHERE user_id = @user_id AND login_type = @login_type
    AND oauth_refresh_token = @old_oauth_refresh_token;

-- Replaces the refresh token only, recording why; optimistic.
-- name: UpdateUserLinkRefreshToken :execrows
UPDATE user_links SET
    oauth_refresh_token = @oauth_refresh_token,
    oauth_refresh_token_key_id = sqlc.narg(oauth_refresh_token_key_id),
    oauth_refresh_failure_reason = @oauth_refresh_failure_reason
WHERE user_id = @user_id AND login_type = @login_type
    AND oauth_refresh_token = @old_oauth_refresh_token;

-- name: DeleteUserLink :execrows
DELETE FROM user_links WHERE user_id = @user_id AND login_type = @login_type;

-- Every link, a page at a time in key order (key rotation walks the table).
-- name: ListUserLinks :many
SELECT * FROM user_links
WHERE (user_id, login_type) > (@after_user_id::uuid, @after_login_type)
ORDER BY user_id, login_type
LIMIT @page_size::int;

-- Rewrites both token columns and their key ids; compare-and-swap like
-- UpdateExternalAuthLinkEncryption.
-- name: UpdateUserLinkEncryption :execrows
UPDATE user_links SET
    oauth_access_token = @oauth_access_token,
    oauth_access_token_key_id = sqlc.narg(oauth_access_token_key_id),
    oauth_refresh_token = @oauth_refresh_token,
    oauth_refresh_token_key_id = sqlc.narg(oauth_refresh_token_key_id)
WHERE user_id = @user_id AND login_type = @login_type
    AND oauth_access_token = @old_oauth_access_token
    AND oauth_refresh_token = @old_oauth_refresh_token;

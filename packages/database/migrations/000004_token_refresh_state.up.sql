-- What the refresh path records: why a refresh token was given up (shown to
-- the user who must sign in again) and the provider's extra token fields.
ALTER TABLE external_auth_links
    ADD COLUMN oauth_extra jsonb,
    ADD COLUMN oauth_refresh_failure_reason text NOT NULL DEFAULT '';

ALTER TABLE user_links
    ADD COLUMN oauth_refresh_failure_reason text NOT NULL DEFAULT '';

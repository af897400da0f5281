ALTER TABLE user_links
    DROP COLUMN oauth_refresh_failure_reason;

ALTER TABLE external_auth_links
    DROP COLUMN oauth_extra,
    DROP COLUMN oauth_refresh_failure_reason;

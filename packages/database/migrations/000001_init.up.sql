-- The schema as the platform had it before external auth was generalised:
-- git_auth_links and template_versions.git_auth_providers.
CREATE TABLE users (
    id uuid PRIMARY KEY,
    username text NOT NULL UNIQUE,
    name text NOT NULL DEFAULT '',
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now()
);

-- The user's own login link (OIDC): its tokens are refreshed like external ones.
CREATE TABLE user_links (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    login_type text NOT NULL,
    linked_id text NOT NULL DEFAULT '',
    oauth_access_token text NOT NULL DEFAULT '',
    oauth_refresh_token text NOT NULL DEFAULT '',
    -- NULL: the access token does not expire.
    oauth_expiry timestamp with time zone,
    PRIMARY KEY (user_id, login_type)
);

CREATE TABLE git_auth_links (
    provider_id text NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    oauth_access_token text NOT NULL,
    oauth_refresh_token text NOT NULL,
    -- NULL: the access token does not expire.
    oauth_expiry timestamp with time zone,
    PRIMARY KEY (provider_id, user_id)
);

CREATE INDEX git_auth_links_user_id_idx ON git_auth_links (user_id);

CREATE TABLE template_versions (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    git_auth_providers text[] NOT NULL DEFAULT '{}'
);

CREATE VIEW template_version_with_user AS
SELECT
    template_versions.*,
    coalesce(users.username, '') AS created_by_username
FROM template_versions
LEFT JOIN users ON users.id = template_versions.created_by;

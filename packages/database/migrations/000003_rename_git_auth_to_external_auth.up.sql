-- "Git auth" became "external auth": any OAuth2/OIDC provider, not only git hosts.
ALTER TABLE git_auth_links RENAME TO external_auth_links;
ALTER INDEX git_auth_links_user_id_idx RENAME TO external_auth_links_user_id_idx;

-- Constraint names (and the indexes behind them) follow the table. A loop
-- rather than a list, since PostgreSQL 18 also names NOT NULL constraints
-- (git_auth_links_user_id_not_null) and earlier versions do not.
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
              WHERE conrelid = 'external_auth_links'::regclass AND conname LIKE 'git\_auth\_links\_%'
    LOOP
        EXECUTE format('ALTER TABLE external_auth_links RENAME CONSTRAINT %I TO %I',
                       c.conname, 'external_auth_links_' || substr(c.conname, length('git_auth_links_') + 1));
    END LOOP;
END $$;

ALTER TABLE template_versions RENAME COLUMN git_auth_providers TO external_auth_providers;
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
              WHERE conrelid = 'template_versions'::regclass AND conname LIKE '%git\_auth\_providers%'
    LOOP
        EXECUTE format('ALTER TABLE template_versions RENAME CONSTRAINT %I TO %I',
                       c.conname, replace(c.conname, 'git_auth_providers', 'external_auth_providers'));
    END LOOP;
END $$;

-- A view keeps the output column names it was created with, so it would still
-- say git_auth_providers: recreate it to expose the new name.
DROP VIEW template_version_with_user;
CREATE VIEW template_version_with_user AS
SELECT
    template_versions.*,
    coalesce(users.username, '') AS created_by_username
FROM template_versions
LEFT JOIN users ON users.id = template_versions.created_by;

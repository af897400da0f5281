ALTER TABLE template_versions RENAME COLUMN external_auth_providers TO git_auth_providers;
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
              WHERE conrelid = 'template_versions'::regclass AND conname LIKE '%external\_auth\_providers%'
    LOOP
        EXECUTE format('ALTER TABLE template_versions RENAME CONSTRAINT %I TO %I',
                       c.conname, replace(c.conname, 'external_auth_providers', 'git_auth_providers'));
    END LOOP;
END $$;

DROP VIEW template_version_with_user;
CREATE VIEW template_version_with_user AS
SELECT
    template_versions.*,
    coalesce(users.username, '') AS created_by_username
FROM template_versions
LEFT JOIN users ON users.id = template_versions.created_by;

DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
              WHERE conrelid = 'external_auth_links'::regclass AND conname LIKE 'external\_auth\_links\_%'
    LOOP
        EXECUTE format('ALTER TABLE external_auth_links RENAME CONSTRAINT %I TO %I',
                       c.conname, 'git_auth_links_' || substr(c.conname, length('external_auth_links_') + 1));
    END LOOP;
END $$;

ALTER INDEX external_auth_links_user_id_idx RENAME TO git_auth_links_user_id_idx;
ALTER TABLE external_auth_links RENAME TO git_auth_links;

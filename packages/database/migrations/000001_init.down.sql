DROP VIEW template_version_with_user;
DROP TABLE template_versions;
DROP TABLE git_auth_links;
DROP TABLE user_links;
DROP TABLE users;

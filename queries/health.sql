-- name: ListAppliedMigrations :many
-- Versions of the migrations dbmate has applied, oldest first.
SELECT version
FROM schema_migrations
ORDER BY version;

-- The admin surface: accounts (find, role and tier, deactivation) and feature flags.

-- name: ListUsersForAdmin :many
-- Accounts by username, optionally those whose username or email starts with `prefix`
-- (lower case); keyset pagination: pass the last row's username for the next page.
SELECT
    u.id,
    u.email,
    u.username,
    u.display_name,
    u.role,
    u.tier,
    u.deactivated_at,
    u.created_at,
    u.updated_at
FROM users AS u
WHERE
    (
        sqlc.narg(prefix)::text IS NULL
        OR starts_with(u.username, sqlc.narg(prefix)::text)
        OR starts_with(lower(u.email), sqlc.narg(prefix)::text)
    )
    AND (sqlc.narg(after_username)::text IS NULL OR u.username > sqlc.narg(after_username)::text)
ORDER BY u.username ASC
LIMIT @max_rows;

-- name: GetUserForAdmin :one
-- One account by id, locked for a change by an admin.
SELECT
    u.id,
    u.email,
    u.username,
    u.display_name,
    u.role,
    u.tier,
    u.deactivated_at,
    u.created_at,
    u.updated_at
FROM users AS u
WHERE u.id = @id
FOR UPDATE;

-- name: SetUserRoleAndTier :one
-- Change an account's role and/or tier; NULL keeps the current value.
UPDATE users
SET
    role = coalesce(sqlc.narg(role), role),
    tier = coalesce(sqlc.narg(tier), tier)
WHERE id = @id
RETURNING
    id, email, username, display_name, role, tier, deactivated_at, created_at, updated_at;

-- name: SetUserDeactivated :one
-- Deactivate (true) or reactivate (false) an account; deactivated_at keeps the first time.
UPDATE users
SET deactivated_at = CASE WHEN @deactivated::boolean THEN coalesce(deactivated_at, now()) END
WHERE id = @id
RETURNING
    id, email, username, display_name, role, tier, deactivated_at, created_at, updated_at;

-- name: RevokeAllSessionsForUser :many
-- Revoke every live session of a user at once (deactivation); the token hashes revoked, to
-- drop from the cache.
UPDATE sessions
SET revoked_at = now()
WHERE
    user_id = @user_id
    AND revoked_at IS NULL
RETURNING token_hash;

-- name: ListFeatureFlags :many
-- Every feature flag, enabled or not, by key.
SELECT
    f.id,
    f.key,
    f.enabled,
    f.rollout_percent,
    f.description,
    f.created_at,
    f.updated_at
FROM feature_flags AS f
ORDER BY f.key ASC;

-- name: CreateFeatureFlag :one
-- A new feature flag.
INSERT INTO feature_flags (key, enabled, rollout_percent, description)
VALUES (@key, @enabled, @rollout_percent, @description)
RETURNING id, key, enabled, rollout_percent, description, created_at, updated_at;

-- name: UpdateFeatureFlag :one
-- Change a flag's fields; NULL keeps the current value. No row when there is no such flag.
UPDATE feature_flags
SET
    enabled = coalesce(sqlc.narg(enabled), enabled),
    rollout_percent = coalesce(sqlc.narg(rollout_percent), rollout_percent),
    description = coalesce(sqlc.narg(description), description)
WHERE key = @key
RETURNING id, key, enabled, rollout_percent, description, created_at, updated_at;

-- name: DeleteFeatureFlag :one
-- Delete a flag by key; its id, or no row when there is no such flag.
DELETE FROM feature_flags
WHERE key = @key
RETURNING id;

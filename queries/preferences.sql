-- Per-user reading preferences (one profile per user).

-- name: GetPreferences :one
-- The user's preference profile; no row means the user keeps the defaults.
SELECT
    favorite_entity_types,
    favorite_tags,
    min_danger,
    max_danger,
    show_spoilers,
    email_digest
FROM preference_profiles
WHERE user_id = @user_id;

-- name: UpsertPreferences :one
-- Create or replace the user's preference profile.
INSERT INTO preference_profiles (
    user_id,
    favorite_entity_types,
    favorite_tags,
    min_danger,
    max_danger,
    show_spoilers,
    email_digest
) VALUES (
    @user_id,
    @favorite_entity_types,
    @favorite_tags,
    @min_danger,
    @max_danger,
    @show_spoilers,
    @email_digest
)
ON CONFLICT (user_id) DO UPDATE
    SET
        favorite_entity_types = excluded.favorite_entity_types,
        favorite_tags = excluded.favorite_tags,
        min_danger = excluded.min_danger,
        max_danger = excluded.max_danger,
        show_spoilers = excluded.show_spoilers,
        email_digest = excluded.email_digest
RETURNING
    favorite_entity_types,
    favorite_tags,
    min_danger,
    max_danger,
    show_spoilers,
    email_digest;

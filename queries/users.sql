-- Accounts.

-- name: CreateUser :one
-- Create an account; password_hash is an argon2id hash, never a password.
INSERT INTO users (email, username, display_name, password_hash, role, tier)
VALUES (@email, @username, @display_name, @password_hash, @role, @tier)
RETURNING id, email, username, display_name, role, tier, created_at, updated_at;

-- name: GetUserByLogin :one
-- An account by email (case-insensitive) or username, with its password hash and whether it
-- is deactivated, for sign-in.
-- At most one row: usernames cannot contain '@', emails must.
SELECT
    id,
    email,
    username,
    display_name,
    password_hash,
    role,
    tier,
    deactivated_at,
    created_at,
    updated_at
FROM users
WHERE lower(email) = lower(@login) OR username = @login;

-- name: GetUserById :one
-- An account by id, without its password hash.
SELECT
    id,
    email,
    username,
    display_name,
    role,
    tier,
    created_at,
    updated_at
FROM users
WHERE id = @id;

-- name: GetUserCredentialsById :one
-- An account's password hash and login names, to check a password before a sensitive change.
SELECT
    id,
    email,
    username,
    password_hash
FROM users
WHERE id = @id;

-- name: UpdateUser :one
-- Change an account's display name, email and/or password hash; NULL keeps the current value.
UPDATE users
SET
    display_name = coalesce(sqlc.narg(display_name), display_name),
    email = coalesce(sqlc.narg(email), email),
    password_hash = coalesce(sqlc.narg(password_hash), password_hash)
WHERE id = @id
RETURNING id, email, username, display_name, role, tier, created_at, updated_at;

-- Sign-in sessions. Clients hold an opaque token; only its SHA-256 is stored (token_hash).
-- A session is live while not revoked and neither expires_at (absolute) nor
-- idle_expires_at (pushed forward as the session is used) has passed.

-- name: CreateSession :one
-- Start a session for a user; the idle expiry never outlives the absolute one.
INSERT INTO sessions (user_id, token_hash, expires_at, idle_expires_at, ip, user_agent)
VALUES (
    @user_id,
    @token_hash,
    now() + @max_age::interval,
    least(now() + @max_age::interval, now() + @idle_timeout::interval),
    sqlc.narg(ip)::inet,
    sqlc.narg(user_agent)
)
RETURNING id, expires_at, idle_expires_at, created_at;

-- name: GetSessionUserByTokenHash :one
-- The live session with this token hash and its user; nothing when revoked or expired, or
-- when the user is deactivated.
-- needs_touch says whether last_seen_at is over a minute old (touch at most once a minute);
-- touch_in is the seconds until it will be, live_for the seconds until the session ends
-- unless it is used (the earlier of its two expiries): what bounds a cached copy's life.
SELECT
    s.id AS session_id,
    u.id,
    u.email,
    u.username,
    u.display_name,
    u.role,
    u.tier,
    (s.last_seen_at < now() - '1 minute'::interval) AS "needs_touch!",
    extract(
        EPOCH FROM s.last_seen_at + '1 minute'::interval - now()
    )::float8 AS "touch_in!",
    extract(
        EPOCH FROM least(s.expires_at, s.idle_expires_at) - now()
    )::float8 AS "live_for!"
FROM sessions AS s
INNER JOIN users AS u ON s.user_id = u.id
WHERE
    s.token_hash = @token_hash -- noqa: RF02
    AND s.revoked_at IS NULL
    AND s.expires_at > now()
    AND s.idle_expires_at > now()
    AND u.deactivated_at IS NULL;

-- name: TouchSession :one
-- Record use of a live session and push its idle expiry forward (capped at expires_at);
-- live_for is the seconds it now has unless used again. No row when it is no longer live.
UPDATE sessions
SET
    last_seen_at = now(),
    idle_expires_at = least(expires_at, now() + @idle_timeout::interval)
WHERE
    id = @id
    AND revoked_at IS NULL
    AND expires_at > now()
    AND idle_expires_at > now()
RETURNING extract(
    EPOCH FROM least(expires_at, idle_expires_at) - now()
)::float8 AS "live_for!";

-- name: ListLiveSessionsForUser :many
-- A user's live sessions, newest first; keyset pagination on (created_at, id).
-- Pass the last row's created_at and id for the next page (first page: nulls).
SELECT
    id,
    created_at,
    last_seen_at,
    expires_at,
    idle_expires_at,
    ip,
    user_agent
FROM sessions
WHERE
    user_id = @user_id
    AND revoked_at IS NULL
    AND expires_at > now()
    AND idle_expires_at > now()
    AND (
        sqlc.narg(after_created_at)::timestamptz IS NULL
        OR (created_at, id) < (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid)
    )
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: RevokeSession :one
-- Revoke one live session of this user; its token hash (to drop from the cache), or no row
-- when it is not theirs, not live, or unknown.
UPDATE sessions
SET revoked_at = now()
WHERE
    id = @id
    AND user_id = @user_id
    AND revoked_at IS NULL
    AND expires_at > now()
    AND idle_expires_at > now()
RETURNING token_hash;

-- name: RevokeOtherSessionsForUser :many
-- Revoke every live session of a user except one (after a password change); the token
-- hashes of those revoked, to drop from the cache.
UPDATE sessions
SET revoked_at = now()
WHERE
    user_id = @user_id
    AND id <> @keep_id
    AND revoked_at IS NULL
RETURNING token_hash;

-- name: ListLiveSessionTokenHashesForUser :many
-- The token hashes of a user's live sessions: the cached copies to drop when the account
-- they carry (email, display name, role, tier) changes.
SELECT token_hash
FROM sessions
WHERE
    user_id = @user_id
    AND revoked_at IS NULL
    AND expires_at > now()
    AND idle_expires_at > now();

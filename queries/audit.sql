-- The audit trail: sensitive actions, written in the action's own transaction.

-- name: RecordAuditEvent :exec
-- Record one action; call on the connection of the transaction that performs it.
INSERT INTO audit_events (actor_id, action, target_type, target_id, ip, details)
VALUES (
    sqlc.narg(actor_id)::uuid,
    @action,
    @target_type,
    sqlc.narg(target_id)::uuid,
    sqlc.narg(ip)::inet,
    @details::jsonb
);

-- name: ListAuditEvents :many
-- Audit events newest first, optionally by actor, action, target and a time range
-- [since, until); keyset pagination on (created_at, id): pass the last row's for the next page.
SELECT
    a.id,
    a.actor_id,
    a.action,
    a.target_type,
    a.target_id,
    a.ip,
    a.details,
    a.created_at,
    (
        SELECT u.username
        FROM users AS u
        WHERE u.id = a.actor_id
    ) AS actor_username
FROM audit_events AS a
WHERE
    (sqlc.narg(actor_id)::uuid IS NULL OR a.actor_id = sqlc.narg(actor_id)::uuid)
    AND (sqlc.narg(action)::text IS NULL OR a.action = sqlc.narg(action)::text)
    AND (
        sqlc.narg(target_type)::text IS NULL
        OR a.target_type = sqlc.narg(target_type)::text
    )
    AND (sqlc.narg(target_id)::uuid IS NULL OR a.target_id = sqlc.narg(target_id)::uuid)
    AND (sqlc.narg(since)::timestamptz IS NULL OR a.created_at >= sqlc.narg(since)::timestamptz)
    AND (sqlc.narg(until)::timestamptz IS NULL OR a.created_at < sqlc.narg(until)::timestamptz)
    AND (
        sqlc.narg(after_created_at)::timestamptz IS NULL
        OR (a.created_at, a.id)
        < (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid)
    )
ORDER BY a.created_at DESC, a.id DESC
LIMIT @max_rows;

-- name: PurgeAuditEvents :execrows
-- Delete audit events older than `older_than` (the retention job).
DELETE FROM audit_events
WHERE created_at < now() - @older_than::interval;

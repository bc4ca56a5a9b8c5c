-- Background jobs: a queue in PostgreSQL, claimed with FOR UPDATE SKIP LOCKED.
-- Life of a job: queued -> running (claimed; attempts counted) -> succeeded, or back to
-- queued for a retry, or dead (attempts used up), or failed (a non-retryable error).
-- locked_at/locked_by are cleared whenever a job goes back to queued; on a final status
-- (succeeded, failed, dead) they say which worker ran it last and when it started.
-- Enqueueing and releasing send NOTIFY on channel `jobs` with the kind as payload; PostgreSQL
-- delivers it on commit and folds identical notifications of one transaction into one.

-- name: EnqueueJob :one
-- Queue one job (run_at null: now) and wake listening workers when the transaction commits.
WITH job AS (
    INSERT INTO jobs (kind, payload, priority, run_at, max_attempts)
    VALUES (
        @kind,
        @payload::jsonb,
        @priority::smallint,
        coalesce(sqlc.narg(run_at)::timestamptz, now()),
        @max_attempts::integer
    )
    RETURNING id, kind
)

SELECT job.id AS "id!"
FROM job
CROSS JOIN LATERAL pg_notify('jobs', job.kind);

-- name: EnqueueJobs :execrows
-- Queue one job of a kind per payload (fan-out), with a single NOTIFY.
WITH queued AS (
    INSERT INTO jobs (kind, payload, priority, run_at, max_attempts)
    SELECT
        @kind::text AS kind,
        p.payload,
        @priority::smallint AS priority,
        coalesce(sqlc.narg(run_at)::timestamptz, now()) AS run_at,
        @max_attempts::integer AS max_attempts
    FROM unnest(@payloads::jsonb[]) AS p (payload)
    RETURNING kind
)

SELECT queued.kind
FROM queued
CROSS JOIN LATERAL pg_notify('jobs', queued.kind);

-- name: ClaimJob :one
-- Take the next due job of these kinds (highest priority, then oldest run_at) for a worker.
-- SKIP LOCKED lets concurrent workers pass over each other's candidates instead of waiting.
-- The claim commits without waiting for its WAL flush: the run's own commit flushes past it,
-- and a claim lost with a crashed server only leaves the job queued, as if never claimed.
-- Call it outside a transaction: the setting lasts until the transaction ends.
WITH no_flush AS (
    SELECT set_config('synchronous_commit', 'off', TRUE) AS synchronous_commit
)

UPDATE jobs
SET
    status = 'running',
    attempts = attempts + 1,
    locked_at = now(),
    locked_by = @worker_id
FROM no_flush
WHERE
    jobs.status = 'queued'
    AND jobs.id = (
        SELECT candidate.id
        FROM jobs AS candidate
        WHERE
            candidate.status = 'queued'
            AND candidate.run_at <= now()
            AND candidate.kind = any(@kinds::text[])
        ORDER BY candidate.priority DESC, candidate.run_at ASC, candidate.id ASC
        LIMIT 1
        FOR UPDATE SKIP LOCKED
    )
RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts;

-- name: LockRunningJob :one
-- Row-lock a job this worker claimed, for the whole run: the stale-job sweep skips locked rows.
-- Nothing when the job is no longer this worker's.
SELECT id
FROM jobs
WHERE id = @id AND status = 'running' AND locked_by = @worker_id
FOR UPDATE;

-- name: CompleteJob :execrows
-- Mark a job this worker runs as succeeded; 0 rows when the worker no longer holds it.
UPDATE jobs
SET
    status = 'succeeded',
    last_error = NULL
WHERE id = @id AND status = 'running' AND locked_by = @worker_id;

-- name: RetryJob :one
-- Record a failed attempt: back to queued after `delay`, or dead once attempts are used up.
UPDATE jobs
SET
    status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
    run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE now() + @delay::interval END,
    last_error = @error,
    locked_at = CASE WHEN attempts >= max_attempts THEN locked_at END,
    locked_by = CASE WHEN attempts >= max_attempts THEN locked_by END
WHERE id = @id AND status = 'running' AND locked_by = @worker_id
RETURNING status, run_at, attempts;

-- name: FailJob :execrows
-- Record a non-retryable error: the job is failed at once, whatever attempts remain.
UPDATE jobs
SET
    status = 'failed',
    last_error = @error
WHERE id = @id AND status = 'running' AND locked_by = @worker_id;

-- name: ReleaseJob :one
-- Give back a job a stopping worker could not finish: queued again, the attempt not counted.
WITH released AS (
    UPDATE jobs
    SET
        status = 'queued',
        attempts = attempts - 1,
        run_at = now(),
        locked_at = NULL,
        locked_by = NULL
    WHERE id = @id AND status = 'running' AND locked_by = @worker_id
    RETURNING id, kind
)

SELECT released.id AS "id!"
FROM released
CROSS JOIN LATERAL pg_notify('jobs', released.kind);

-- name: RequeueStaleJobs :many
-- Sweep jobs whose worker died: running, claimed over `lock_timeout` ago and not row-locked
-- (a live worker holds its job's row lock for the whole run). Dead once attempts are used up.
UPDATE jobs
SET
    status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
    run_at = now(),
    last_error = 'worker ' || locked_by || ' stopped while running the job',
    locked_at = CASE WHEN attempts >= max_attempts THEN locked_at END,
    locked_by = CASE WHEN attempts >= max_attempts THEN locked_by END
WHERE
    status = 'running'
    AND id IN (
        SELECT stale.id
        FROM jobs AS stale
        WHERE
            stale.status = 'running'
            AND stale.locked_at < now() - @lock_timeout::interval
        FOR UPDATE SKIP LOCKED
    )
RETURNING id, status, attempts;

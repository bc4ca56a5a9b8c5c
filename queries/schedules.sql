-- Periodic jobs (job_schedules) and the retention purges they run.

-- name: UpsertJobSchedule :exec
-- Declare a schedule, or change its kind, interval and payload; a shorter interval brings
-- the next run forward. Unchanged rows are not written.
INSERT INTO job_schedules (name, kind, run_every, payload)
VALUES (@name, @kind, @run_every::interval, @payload::jsonb)
ON CONFLICT (name) DO UPDATE
    SET
        kind = excluded.kind,
        run_every = excluded.run_every,
        payload = excluded.payload,
        next_run_at = least(job_schedules.next_run_at, now() + excluded.run_every)
    WHERE
    (job_schedules.kind, job_schedules.run_every, job_schedules.payload)
    IS DISTINCT FROM (excluded.kind, excluded.run_every, excluded.payload);

-- name: EnqueueDueSchedules :many
-- Claim every due schedule of these kinds (rows another worker holds are skipped), move its
-- next run one interval on, and queue its job, all in one statement: a due run is queued
-- once however many workers ask at the same time.
WITH due AS (
    SELECT s.id
    FROM job_schedules AS s
    WHERE s.next_run_at <= now() AND s.kind = any(@kinds::text[])
    FOR UPDATE SKIP LOCKED
),

claimed AS (
    UPDATE job_schedules AS s
    SET
        next_run_at = now() + s.run_every,
        last_run_at = now()
    FROM due
    WHERE s.id = due.id
    RETURNING s.name, s.kind, s.payload
)

INSERT INTO jobs (kind, payload)
SELECT
    c.kind,
    c.payload
FROM claimed AS c
RETURNING id, kind;

-- name: PurgeEndedSessions :execrows
-- Delete sessions that ended (revoked or expired) over `older_than` ago.
DELETE FROM sessions
WHERE
    least(coalesce(revoked_at, 'infinity'), expires_at, idle_expires_at)
    < now() - @older_than::interval;

-- name: PurgeFinishedJobs :execrows
-- Delete jobs that succeeded, failed or died over `older_than` ago.
DELETE FROM jobs
WHERE
    status IN ('succeeded', 'failed', 'dead')
    AND updated_at < now() - @older_than::interval;

-- name: PurgeEmptyStatisticsDeltas :execrows
-- Delete deltas older than `older_than` that change no counter (all zero): nothing is lost.
DELETE FROM content_statistics_deltas
WHERE
    created_at < now() - @older_than::interval
    AND (view_count, like_count, share_count, read_count, bookmark_count, comment_count)
    = (0, 0, 0, 0, 0, 0);

-- name: CountStaleStatisticsDeltas :one
-- How many deltas older than `older_than` still wait to be added up (a rollup is overdue).
SELECT count(*) AS "stale!"
FROM content_statistics_deltas
WHERE created_at < now() - @older_than::interval;

-- name: QueueStatisticsRollup :exec
-- Queue a statistics rollup unless one is queued already, and wake the workers on commit.
SELECT queue_statistics_rollup('0'::interval);

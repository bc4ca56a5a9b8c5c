-- migrate:up transaction:false
-- "Is a job of this kind already queued?" is asked on every counted write (the statistics
-- rollup is coalesced into one queued job) and before queueing a recommendation refresh;
-- jobs_queued_idx would walk every queued job of every kind to answer it.
-- No SET before it: dbmate sends a section as one query string, which PostgreSQL runs as a
-- transaction, where CONCURRENTLY is refused. Waiting for its SHARE UPDATE EXCLUSIVE lock
-- blocks no reads or writes, and the build itself takes no lock that does.
-- squawk-ignore require-lock-timeout, require-statement-timeout
CREATE INDEX CONCURRENTLY IF NOT EXISTS jobs_queued_kind_idx ON jobs (kind)
WHERE status = 'queued';

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS jobs_queued_kind_idx;

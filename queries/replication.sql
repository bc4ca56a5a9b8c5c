-- name: GetWalPosition :one
-- The primary's WAL positions in bytes from 0/0. insert_lsn, taken after a commit, is at or
-- past that commit's record even under synchronous_commit=off; flush_lsn is what a standby
-- can have received so far.
SELECT
    (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint AS "insert_lsn!",
    (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint AS "flush_lsn!";

-- name: GetReplayLsn :one
-- Whether this server is a standby in recovery, and how far it has replayed the primary's WAL
-- (in bytes from 0/0; NULL on a primary).
SELECT
    pg_is_in_recovery() AS "in_recovery!",
    (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS replay_lsn;

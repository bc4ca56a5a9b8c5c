-- Content statistics: the rollup of counter deltas and trending content.
-- Triggers on interactions, bookmarks and comments append to content_statistics_deltas and
-- queue a statistics.rollup job; see db/migrations/*_create_content_statistics_deltas.sql.

-- name: LockStatisticsRollup :exec
-- Serialize rollups until the transaction ends: two at once could update the same counters
-- in different orders and deadlock.
SELECT pg_advisory_xact_lock(hashtextextended('content_statistics_rollup', 0));

-- name: TryLockStatisticsWriters :one
-- Whether no writer that appended deltas is still open (the lock is then held until the
-- transaction ends, keeping new writers out). Run it before RollUpStatistics, as a separate
-- statement: the rollup's snapshot must be taken after it.
SELECT
    pg_try_advisory_xact_lock(
        hashtextextended('content_statistics_deltas', 0)
    ) AS "quiet!";

-- name: RollUpStatistics :one
-- Delete up to max_rows deltas and add their sums to content_statistics, creating the rows
-- of content counted for the first time. Returns how many deltas went into how many rows.
-- A counter never goes below zero, so a hand-edited one cannot block every later rollup.
WITH batch AS (
    SELECT d.id
    FROM content_statistics_deltas AS d
    ORDER BY d.created_at ASC, d.id ASC
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED
),

drained AS (
    DELETE FROM content_statistics_deltas AS d
    USING batch
    WHERE d.id = batch.id
    RETURNING
        d.ghost_entity_id,
        d.story_id,
        d.view_count,
        d.like_count,
        d.share_count,
        d.read_count,
        d.bookmark_count,
        d.comment_count
),

totals AS (
    SELECT
        drained.ghost_entity_id,
        drained.story_id,
        sum(drained.view_count) AS view_count,
        sum(drained.like_count) AS like_count,
        sum(drained.share_count) AS share_count,
        sum(drained.read_count) AS read_count,
        sum(drained.bookmark_count) AS bookmark_count,
        sum(drained.comment_count) AS comment_count
    FROM drained
    GROUP BY drained.ghost_entity_id, drained.story_id
),

targets AS (
    SELECT
        totals.*,
        coalesce(by_ghost.id, by_story.id) AS statistics_id
    FROM totals
    LEFT JOIN content_statistics AS by_ghost ON totals.ghost_entity_id = by_ghost.ghost_entity_id
    LEFT JOIN content_statistics AS by_story ON totals.story_id = by_story.story_id
),

updated AS (
    UPDATE content_statistics AS cs
    SET
        view_count = greatest(cs.view_count + t.view_count, 0),
        like_count = greatest(cs.like_count + t.like_count, 0),
        share_count = greatest(cs.share_count + t.share_count, 0),
        read_count = greatest(cs.read_count + t.read_count, 0),
        bookmark_count = greatest(cs.bookmark_count + t.bookmark_count, 0),
        comment_count = greatest(cs.comment_count + t.comment_count, 0)
    FROM targets AS t
    WHERE cs.id = t.statistics_id
    RETURNING cs.id
),

-- ON CONFLICT takes one arbiter: entities and stories are inserted apart.
inserted_ghosts AS (
    INSERT INTO content_statistics AS cs (
        ghost_entity_id,
        view_count,
        like_count,
        share_count,
        read_count,
        bookmark_count,
        comment_count
    )
    SELECT
        t.ghost_entity_id,
        greatest(t.view_count, 0) AS view_count,
        greatest(t.like_count, 0) AS like_count,
        greatest(t.share_count, 0) AS share_count,
        greatest(t.read_count, 0) AS read_count,
        greatest(t.bookmark_count, 0) AS bookmark_count,
        greatest(t.comment_count, 0) AS comment_count
    FROM targets AS t
    WHERE t.statistics_id IS NULL AND t.ghost_entity_id IS NOT NULL
    ON CONFLICT (ghost_entity_id) DO UPDATE
        SET
            view_count = cs.view_count + excluded.view_count,
            like_count = cs.like_count + excluded.like_count,
            share_count = cs.share_count + excluded.share_count,
            read_count = cs.read_count + excluded.read_count,
            bookmark_count = cs.bookmark_count + excluded.bookmark_count,
            comment_count = cs.comment_count + excluded.comment_count
    RETURNING cs.id
),

inserted_stories AS (
    INSERT INTO content_statistics AS cs (
        story_id,
        view_count,
        like_count,
        share_count,
        read_count,
        bookmark_count,
        comment_count
    )
    SELECT
        t.story_id,
        greatest(t.view_count, 0) AS view_count,
        greatest(t.like_count, 0) AS like_count,
        greatest(t.share_count, 0) AS share_count,
        greatest(t.read_count, 0) AS read_count,
        greatest(t.bookmark_count, 0) AS bookmark_count,
        greatest(t.comment_count, 0) AS comment_count
    FROM targets AS t
    WHERE t.statistics_id IS NULL AND t.story_id IS NOT NULL
    ON CONFLICT (story_id) DO UPDATE
        SET
            view_count = cs.view_count + excluded.view_count,
            like_count = cs.like_count + excluded.like_count,
            share_count = cs.share_count + excluded.share_count,
            read_count = cs.read_count + excluded.read_count,
            bookmark_count = cs.bookmark_count + excluded.bookmark_count,
            comment_count = cs.comment_count + excluded.comment_count
    RETURNING cs.id
)

SELECT
    (SELECT count(*) FROM drained) AS "deltas!",
    (SELECT count(*) FROM updated)
    + (SELECT count(*) FROM inserted_ghosts)
    + (SELECT count(*) FROM inserted_stories) AS "counters!";

-- name: QueueStatisticsRollup :exec
-- Queue a rollup to run after `delay`, unless one is queued already.
SELECT queue_statistics_rollup(@delay::interval);

-- name: ListTrending :many
-- Published content ranked by its interactions since now() - period, each weighted by kind
-- (view 1, like 3, share 5, read 4) and halved for every half_life of age; kind is 'ghost',
-- 'story' or 'all'. Ties go to the most recently published, then by id.
WITH recent AS (
    SELECT
        i.ghost_entity_id,
        i.story_id,
        sum(
            CASE i.kind
                WHEN 'view' THEN 1
                WHEN 'like' THEN 3
                WHEN 'share' THEN 5
                WHEN 'read' THEN 4
            END
            * power(
                0.5::double precision,
                extract(EPOCH FROM now() - i.created_at)::double precision
                / extract(EPOCH FROM @half_life::interval)::double precision
            )
        )::double precision AS score,
        count(*) FILTER (WHERE i.kind = 'view') AS view_count,
        count(*) FILTER (WHERE i.kind = 'like') AS like_count,
        count(*) FILTER (WHERE i.kind = 'share') AS share_count,
        count(*) FILTER (WHERE i.kind = 'read') AS read_count
    FROM interactions AS i
    WHERE
        i.created_at >= now() - @period::interval
        AND i.created_at <= now()
        AND (
            @kind::text = 'all'
            OR (@kind::text = 'ghost' AND i.ghost_entity_id IS NOT NULL)
            OR (@kind::text = 'story' AND i.story_id IS NOT NULL)
        )
    GROUP BY i.ghost_entity_id, i.story_id
)

SELECT
    g.entity_type AS "entity_type?",
    r.score AS "score!",
    r.view_count AS "view_count!",
    r.like_count AS "like_count!",
    r.share_count AS "share_count!",
    r.read_count AS "read_count!",
    coalesce(g.id, s.id) AS "id!",
    CASE WHEN g.id IS NULL THEN 'story' ELSE 'ghost' END AS "content_type!",
    coalesce(g.slug, s.slug) AS "slug!",
    coalesce(g.name, s.title) AS "title!"
FROM recent AS r
LEFT JOIN ghost_entities AS g ON r.ghost_entity_id = g.id AND g.status = 'published'
LEFT JOIN stories AS s ON r.story_id = s.id AND s.status = 'published'
WHERE g.id IS NOT NULL OR s.id IS NOT NULL
ORDER BY
    "score!" DESC,
    coalesce(g.published_at, s.published_at) DESC,
    "id!" ASC
LIMIT @max_rows;

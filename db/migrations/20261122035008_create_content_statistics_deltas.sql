-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Counter changes not yet added to content_statistics.
--
-- Why a queue of deltas rather than counting in place: a trigger that updated
-- content_statistics directly would hold the row lock of a popular entity's counters from
-- the write until its commit, so every view of that entity would wait for the one before
-- it. Here writers only append (no row is shared between them); the statistics.rollup job
-- deletes a batch of deltas and adds their sums to content_statistics in one transaction,
-- so each delta is counted exactly once: a delta not yet committed is invisible to the
-- DELETE and stays for the next rollup, and a rollup that fails rolls its DELETE back.
--
-- Why the advisory lock (key hashtextextended('content_statistics_deltas', 0)): writers hold
-- it shared from before they look for a queued rollup until they commit. A rollup tries to
-- take it exclusively before it deletes; when it cannot, some writer may still commit a
-- delta after the DELETE while having counted on this very job, so the rollup queues a
-- follow-up. Without that, such a delta would wait for the next write to be counted.
--
-- No indexes on the foreign keys: rows live seconds (the queue is drained continuously),
-- so the cascade's scan is short, and an index would cost every counted write.
CREATE TABLE content_statistics_deltas (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ghost_entity_id uuid NULL,
    story_id uuid NULL,
    view_count bigint NOT NULL DEFAULT 0,
    like_count bigint NOT NULL DEFAULT 0,
    share_count bigint NOT NULL DEFAULT 0,
    read_count bigint NOT NULL DEFAULT 0,
    bookmark_count bigint NOT NULL DEFAULT 0,
    comment_count bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT content_statistics_deltas_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT content_statistics_deltas_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT content_statistics_deltas_one_target_check CHECK (
        num_nonnulls(ghost_entity_id, story_id) = 1
    )
);

CREATE TRIGGER content_statistics_deltas_set_updated_at
BEFORE UPDATE ON content_statistics_deltas
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Queue one statistics.rollup job unless one is queued already (the coalescing: writes that
-- arrive while a rollup waits share it), and wake the workers when the transaction commits.
-- The NOT EXISTS check is not serialized: writers racing on an empty queue may each queue
-- one, which costs an empty rollup, never a count.
CREATE FUNCTION queue_statistics_rollup(delay interval)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM jobs WHERE kind = 'statistics.rollup' AND status = 'queued'
    ) THEN
        INSERT INTO jobs (kind, run_at) VALUES ('statistics.rollup', now() + delay);
        PERFORM pg_notify('jobs', 'statistics.rollup');
    END IF;
END;
$$;

-- Called by the counting triggers once they appended deltas (see the table's comment).
CREATE FUNCTION note_statistics_change()
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('content_statistics_deltas', 0));
    PERFORM queue_statistics_rollup(interval '0');
END;
$$;

-- Views, likes, shares and reads. Rows deleted together with their entity or story (a
-- cascade) are not counted down: the counters go with the content.
CREATE FUNCTION count_interactions()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO content_statistics_deltas (
            ghost_entity_id, story_id, view_count, like_count, share_count, read_count
        )
        SELECT
            n.ghost_entity_id,
            n.story_id,
            count(*) FILTER (WHERE n.kind = 'view'),
            count(*) FILTER (WHERE n.kind = 'like'),
            count(*) FILTER (WHERE n.kind = 'share'),
            count(*) FILTER (WHERE n.kind = 'read')
        FROM new_rows AS n
        GROUP BY n.ghost_entity_id, n.story_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO content_statistics_deltas (
            ghost_entity_id, story_id, view_count, like_count, share_count, read_count
        )
        SELECT
            o.ghost_entity_id,
            o.story_id,
            -count(*) FILTER (WHERE o.kind = 'view'),
            -count(*) FILTER (WHERE o.kind = 'like'),
            -count(*) FILTER (WHERE o.kind = 'share'),
            -count(*) FILTER (WHERE o.kind = 'read')
        FROM old_rows AS o
        WHERE
            EXISTS (SELECT FROM ghost_entities AS g WHERE g.id = o.ghost_entity_id)
            OR EXISTS (SELECT FROM stories AS s WHERE s.id = o.story_id)
        GROUP BY o.ghost_entity_id, o.story_id;
    ELSE
        INSERT INTO content_statistics_deltas (
            ghost_entity_id, story_id, view_count, like_count, share_count, read_count
        )
        SELECT c.ghost_entity_id, c.story_id, c.views, c.likes, c.shares, c.reads
        FROM (
            SELECT
                u.ghost_entity_id,
                u.story_id,
                coalesce(sum(u.sign) FILTER (WHERE u.kind = 'view'), 0) AS views,
                coalesce(sum(u.sign) FILTER (WHERE u.kind = 'like'), 0) AS likes,
                coalesce(sum(u.sign) FILTER (WHERE u.kind = 'share'), 0) AS shares,
                coalesce(sum(u.sign) FILTER (WHERE u.kind = 'read'), 0) AS reads
            FROM (
                SELECT n.ghost_entity_id, n.story_id, n.kind, 1 AS sign FROM new_rows AS n
                UNION ALL
                SELECT o.ghost_entity_id, o.story_id, o.kind, -1 AS sign FROM old_rows AS o
            ) AS u
            GROUP BY u.ghost_entity_id, u.story_id
        ) AS c
        -- Most updates (a user deleted: user_id set to NULL) change no counter.
        WHERE (c.views, c.likes, c.shares, c.reads) <> (0, 0, 0, 0);
    END IF;
    IF FOUND THEN
        PERFORM note_statistics_change();
    END IF;
    RETURN NULL;
END;
$$;

-- Bookmarks: how many users keep each entity or story.
CREATE FUNCTION count_bookmarks()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO content_statistics_deltas (ghost_entity_id, story_id, bookmark_count)
        SELECT n.ghost_entity_id, n.story_id, count(*)
        FROM new_rows AS n
        GROUP BY n.ghost_entity_id, n.story_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO content_statistics_deltas (ghost_entity_id, story_id, bookmark_count)
        SELECT o.ghost_entity_id, o.story_id, -count(*)
        FROM old_rows AS o
        WHERE
            EXISTS (SELECT FROM ghost_entities AS g WHERE g.id = o.ghost_entity_id)
            OR EXISTS (SELECT FROM stories AS s WHERE s.id = o.story_id)
        GROUP BY o.ghost_entity_id, o.story_id;
    ELSE
        INSERT INTO content_statistics_deltas (ghost_entity_id, story_id, bookmark_count)
        SELECT u.ghost_entity_id, u.story_id, sum(u.sign)
        FROM (
            SELECT n.ghost_entity_id, n.story_id, 1 AS sign FROM new_rows AS n
            UNION ALL
            SELECT o.ghost_entity_id, o.story_id, -1 AS sign FROM old_rows AS o
        ) AS u
        GROUP BY u.ghost_entity_id, u.story_id
        HAVING sum(u.sign) <> 0;
    END IF;
    IF FOUND THEN
        PERFORM note_statistics_change();
    END IF;
    RETURN NULL;
END;
$$;

-- Comments on stories that are not (soft-)deleted.
CREATE FUNCTION count_comments()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO content_statistics_deltas (story_id, comment_count)
        SELECT n.story_id, count(*)
        FROM new_rows AS n
        WHERE n.deleted_at IS NULL
        GROUP BY n.story_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO content_statistics_deltas (story_id, comment_count)
        SELECT o.story_id, -count(*)
        FROM old_rows AS o
        WHERE
            o.deleted_at IS NULL
            AND EXISTS (SELECT FROM stories AS s WHERE s.id = o.story_id)
        GROUP BY o.story_id;
    ELSE
        INSERT INTO content_statistics_deltas (story_id, comment_count)
        SELECT u.story_id, sum(u.sign)
        FROM (
            SELECT n.story_id, 1 AS sign FROM new_rows AS n WHERE n.deleted_at IS NULL
            UNION ALL
            SELECT o.story_id, -1 AS sign FROM old_rows AS o WHERE o.deleted_at IS NULL
        ) AS u
        GROUP BY u.story_id
        HAVING sum(u.sign) <> 0;
    END IF;
    IF FOUND THEN
        PERFORM note_statistics_change();
    END IF;
    RETURN NULL;
END;
$$;

-- Statement-level with transition tables: a multi-row write (a COPY, a cascade) appends one
-- delta per target, not one per row. PostgreSQL allows transition tables on one event per
-- trigger, hence three triggers per table.
CREATE TRIGGER interactions_count_inserted
AFTER INSERT ON interactions
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION count_interactions();

CREATE TRIGGER interactions_count_updated
AFTER UPDATE ON interactions
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION count_interactions();

CREATE TRIGGER interactions_count_deleted
AFTER DELETE ON interactions
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION count_interactions();

CREATE TRIGGER bookmarks_count_inserted
AFTER INSERT ON bookmarks
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION count_bookmarks();

CREATE TRIGGER bookmarks_count_updated
AFTER UPDATE ON bookmarks
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION count_bookmarks();

CREATE TRIGGER bookmarks_count_deleted
AFTER DELETE ON bookmarks
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION count_bookmarks();

CREATE TRIGGER comments_count_inserted
AFTER INSERT ON comments
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION count_comments();

CREATE TRIGGER comments_count_updated
AFTER UPDATE ON comments
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION count_comments();

CREATE TRIGGER comments_count_deleted
AFTER DELETE ON comments
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION count_comments();

-- Nothing kept content_statistics current before: queue what the source tables say minus
-- what it holds, for the first rollup. The triggers above already hold locks that keep
-- writers out until this transaction commits, so nothing is counted twice or missed.
INSERT INTO content_statistics_deltas (
    ghost_entity_id,
    story_id,
    view_count,
    like_count,
    share_count,
    read_count,
    bookmark_count,
    comment_count
)
SELECT
    t.ghost_entity_id,
    t.story_id,
    sum(t.view_count) AS view_count,
    sum(t.like_count) AS like_count,
    sum(t.share_count) AS share_count,
    sum(t.read_count) AS read_count,
    sum(t.bookmark_count) AS bookmark_count,
    sum(t.comment_count) AS comment_count
FROM (
    SELECT
        i.ghost_entity_id,
        i.story_id,
        count(*) FILTER (WHERE i.kind = 'view') AS view_count,
        count(*) FILTER (WHERE i.kind = 'like') AS like_count,
        count(*) FILTER (WHERE i.kind = 'share') AS share_count,
        count(*) FILTER (WHERE i.kind = 'read') AS read_count,
        0 AS bookmark_count,
        0 AS comment_count
    FROM interactions AS i
    GROUP BY i.ghost_entity_id, i.story_id
    UNION ALL
    SELECT
        b.ghost_entity_id,
        b.story_id,
        0 AS view_count,
        0 AS like_count,
        0 AS share_count,
        0 AS read_count,
        count(*) AS bookmark_count,
        0 AS comment_count
    FROM bookmarks AS b
    GROUP BY b.ghost_entity_id, b.story_id
    UNION ALL
    SELECT
        NULL::uuid AS ghost_entity_id,
        c.story_id,
        0 AS view_count,
        0 AS like_count,
        0 AS share_count,
        0 AS read_count,
        0 AS bookmark_count,
        count(*) AS comment_count
    FROM comments AS c
    WHERE c.deleted_at IS NULL
    GROUP BY c.story_id
    UNION ALL
    SELECT
        cs.ghost_entity_id,
        cs.story_id,
        -cs.view_count AS view_count,
        -cs.like_count AS like_count,
        -cs.share_count AS share_count,
        -cs.read_count AS read_count,
        -cs.bookmark_count AS bookmark_count,
        -cs.comment_count AS comment_count
    FROM content_statistics AS cs
) AS t
GROUP BY t.ghost_entity_id, t.story_id
HAVING
    (
        sum(t.view_count),
        sum(t.like_count),
        sum(t.share_count),
        sum(t.read_count),
        sum(t.bookmark_count),
        sum(t.comment_count)
    )
    <> (0, 0, 0, 0, 0, 0);

SELECT queue_statistics_rollup(interval '0')
WHERE EXISTS (SELECT FROM content_statistics_deltas);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TRIGGER comments_count_deleted ON comments;

DROP TRIGGER comments_count_updated ON comments;

DROP TRIGGER comments_count_inserted ON comments;

DROP TRIGGER bookmarks_count_deleted ON bookmarks;

DROP TRIGGER bookmarks_count_updated ON bookmarks;

DROP TRIGGER bookmarks_count_inserted ON bookmarks;

DROP TRIGGER interactions_count_deleted ON interactions;

DROP TRIGGER interactions_count_updated ON interactions;

DROP TRIGGER interactions_count_inserted ON interactions;

DROP FUNCTION count_comments();

DROP FUNCTION count_bookmarks();

DROP FUNCTION count_interactions();

DROP FUNCTION note_statistics_change();

DROP FUNCTION queue_statistics_rollup(interval);

DROP TABLE content_statistics_deltas;

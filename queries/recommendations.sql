-- Personal recommendations: the signals a refresh blends, the stored list, and feedback.
-- Content ids are UUIDs of either an entity or a story; excluded_ids lists both kinds.

-- The linter's placeholder templater turns parameters into bare names, which RF02 would want
-- qualified in the joins and subqueries below.
-- noqa: disable=RF02

-- name: LockRecommendations :exec
-- Serialize refreshes of one user's list until the transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended('recommendations:' || @user_id::uuid::text, 0));

-- name: GetRecommendationUser :one
-- The user whose list is refreshed, if they still exist.
SELECT u.id
FROM users AS u
WHERE u.id = @user_id;

-- name: GetRecommendationExclusions :one
-- Content never to recommend to a user: what they have seen (viewed, liked, shared, read),
-- bookmarked or started reading, or dismissed or found not helpful as a recommendation.
WITH excluded AS (
    SELECT coalesce(b.ghost_entity_id, b.story_id) AS id
    FROM bookmarks AS b
    WHERE b.user_id = @user_id
    UNION
    SELECT coalesce(i.ghost_entity_id, i.story_id) AS id
    FROM interactions AS i
    WHERE i.user_id = @user_id
    UNION
    SELECT rp.story_id AS id
    FROM reading_progress AS rp
    WHERE rp.user_id = @user_id
    UNION
    SELECT coalesce(f.ghost_entity_id, f.story_id) AS id
    FROM recommendation_feedback AS f
    WHERE f.user_id = @user_id AND f.feedback IN ('dismissed', 'not_helpful')
)

SELECT coalesce(array_agg(excluded.id), '{}') AS "ids!"
FROM excluded;

-- name: ListTagAffinities :many
-- A user's interest in each tag, strongest first: the tags of what they viewed (1), liked or
-- shared (3), read (4), bookmarked (4) or started reading (2), of recommendations they found
-- helpful (3) or not (-2), and their favourite tags (5 each).
WITH signals AS (
    SELECT
        coalesce(g.tags, s.tags) AS tags,
        CASE i.kind WHEN 'view' THEN 1 WHEN 'read' THEN 4 ELSE 3 END AS weight
    FROM interactions AS i
    LEFT JOIN ghost_entities AS g ON i.ghost_entity_id = g.id
    LEFT JOIN stories AS s ON i.story_id = s.id
    WHERE i.user_id = @user_id
    UNION ALL
    SELECT
        coalesce(g.tags, s.tags) AS tags,
        4 AS weight
    FROM bookmarks AS b
    LEFT JOIN ghost_entities AS g ON b.ghost_entity_id = g.id
    LEFT JOIN stories AS s ON b.story_id = s.id
    WHERE b.user_id = @user_id
    UNION ALL
    SELECT
        s.tags,
        2 AS weight
    FROM reading_progress AS rp
    INNER JOIN stories AS s ON rp.story_id = s.id
    WHERE rp.user_id = @user_id
    UNION ALL
    SELECT
        coalesce(g.tags, s.tags) AS tags,
        CASE f.feedback WHEN 'helpful' THEN 3 WHEN 'not_helpful' THEN -2 ELSE 0 END AS weight
    FROM recommendation_feedback AS f
    LEFT JOIN ghost_entities AS g ON f.ghost_entity_id = g.id
    LEFT JOIN stories AS s ON f.story_id = s.id
    WHERE f.user_id = @user_id
    UNION ALL
    SELECT
        @favorite_tags::text[] AS tags,
        5 AS weight
)

SELECT
    t.tag AS "tag!",
    sum(signals.weight)::double precision AS "weight!"
FROM signals
CROSS JOIN LATERAL unnest(signals.tags) AS t (tag)
GROUP BY t.tag
HAVING sum(signals.weight) > 0
ORDER BY "weight!" DESC, "tag!" ASC
LIMIT @max_rows;

-- name: ListContentCandidates :many
-- Published content that shares tags with the user's interests (tags[i] weighs weights[i],
-- from ListTagAffinities); entities only within the danger range; none of excluded_ids.
-- score: the weights of its matching tags, plus type_weight for an entity of a favourite
-- type. source_title/source_action: what the user engaged with that shares the most tags
-- with it (the strongest way, then the latest), if anything does.
WITH affinity AS (
    SELECT
        a.tag,
        a.weight
    FROM unnest(@tags::text[], @weights::double precision[]) AS a (tag, weight)
),

candidates AS (
    SELECT
        g.id,
        'ghost' AS content_type,
        g.entity_type,
        g.tags,
        g.published_at
    FROM ghost_entities AS g
    WHERE
        g.status = 'published'
        AND g.tags && @tags::text[]
        AND g.danger_level BETWEEN @min_danger::smallint AND @max_danger::smallint
        AND g.id <> all(@excluded_ids::uuid[])
    UNION ALL
    SELECT
        s.id,
        'story' AS content_type,
        NULL AS entity_type,
        s.tags,
        s.published_at
    FROM stories AS s
    WHERE
        s.status = 'published'
        AND s.tags && @tags::text[]
        AND s.id <> all(@excluded_ids::uuid[])
),

scored AS (
    SELECT
        c.id,
        c.content_type,
        c.entity_type,
        c.tags,
        c.published_at,
        m.tags AS matched_tags,
        m.weight
        + CASE
            WHEN c.entity_type = any(@favorite_types::text[]) THEN @type_weight::double precision
            ELSE 0
        END AS score
    FROM candidates AS c
    CROSS JOIN
        LATERAL (
            SELECT
                coalesce(sum(a.weight), 0) AS weight,
                coalesce(array_agg(a.tag ORDER BY a.weight DESC, a.tag ASC), '{}') AS tags
            FROM affinity AS a
            WHERE a.tag = any(c.tags)
        ) AS m
    ORDER BY score DESC, c.published_at DESC, c.id ASC
    LIMIT @max_rows
),

anchors AS (
    SELECT DISTINCT ON (x.content_id)
        x.content_id,
        x.how,
        x.strength,
        x.happened_at,
        coalesce(g.name, s.title) AS title,
        coalesce(g.tags, s.tags) AS tags
    FROM (
        SELECT
            coalesce(i.ghost_entity_id, i.story_id) AS content_id,
            CASE i.kind
                WHEN 'read' THEN 'read'
                WHEN 'like' THEN 'liked'
                WHEN 'share' THEN 'shared'
                ELSE 'viewed'
            END AS how,
            CASE i.kind WHEN 'read' THEN 4 WHEN 'view' THEN 1 ELSE 3 END AS strength,
            i.created_at AS happened_at
        FROM interactions AS i
        WHERE i.user_id = @user_id
        UNION ALL
        SELECT
            coalesce(b.ghost_entity_id, b.story_id) AS content_id,
            'bookmarked' AS how,
            4 AS strength,
            b.created_at AS happened_at
        FROM bookmarks AS b
        WHERE b.user_id = @user_id
        UNION ALL
        SELECT
            rp.story_id AS content_id,
            CASE WHEN rp.completed_at IS NULL THEN 'started' ELSE 'read' END AS how,
            CASE WHEN rp.completed_at IS NULL THEN 2 ELSE 4 END AS strength,
            rp.updated_at AS happened_at
        FROM reading_progress AS rp
        WHERE rp.user_id = @user_id
    ) AS x
    LEFT JOIN ghost_entities AS g ON x.content_id = g.id AND g.status = 'published'
    LEFT JOIN stories AS s ON x.content_id = s.id AND s.status = 'published'
    WHERE g.id IS NOT NULL OR s.id IS NOT NULL
    ORDER BY x.content_id ASC, x.strength DESC, x.happened_at DESC
)

SELECT
    sc.id,
    sc.content_type AS "content_type!",
    sc.entity_type AS "entity_type?",
    sc.score AS "score!",
    sc.matched_tags AS "matched_tags!",
    anchor.title AS "source_title?",
    anchor.how AS "source_action?"
FROM scored AS sc
LEFT JOIN LATERAL (
    SELECT
        an.title,
        an.how
    FROM anchors AS an
    WHERE an.tags && sc.tags AND an.content_id <> sc.id
    ORDER BY
        (
            SELECT count(*) FROM unnest(an.tags) AS shared (tag)
            WHERE shared.tag = any(sc.tags)
        ) DESC,
        an.strength DESC,
        an.happened_at DESC
    LIMIT 1
) AS anchor ON TRUE
ORDER BY sc.score DESC, sc.published_at DESC, sc.id ASC;

-- name: ListCollaborativeCandidates :many
-- People who bookmarked, liked or finished what the user did (their "peers", the 200 with
-- the most in common) also bookmarked, liked or finished these: published content the user
-- has not, none of excluded_ids, entities only within the danger range. score: for each peer
-- who has it, the number of items that peer shares with the user, summed. anchor_title: the
-- user's item most of those peers share.
WITH mine AS (
    SELECT
        b.ghost_entity_id,
        b.story_id
    FROM bookmarks AS b
    WHERE b.user_id = @user_id
    UNION
    SELECT
        i.ghost_entity_id,
        i.story_id
    FROM interactions AS i
    WHERE i.user_id = @user_id AND i.kind IN ('like', 'read')
    UNION
    SELECT
        NULL::uuid AS ghost_entity_id,
        rp.story_id
    FROM reading_progress AS rp
    WHERE rp.user_id = @user_id AND rp.completed_at IS NOT NULL
),

peers AS (
    SELECT
        x.user_id,
        count(DISTINCT coalesce(m.ghost_entity_id, m.story_id)) AS shared,
        min(coalesce(m.ghost_entity_id, m.story_id)::text)::uuid AS anchor_id
    FROM mine AS m
    CROSS JOIN
        LATERAL (
            SELECT b.user_id
            FROM bookmarks AS b
            WHERE b.ghost_entity_id = m.ghost_entity_id OR b.story_id = m.story_id
            UNION ALL
            SELECT i.user_id
            FROM interactions AS i
            WHERE
                (i.ghost_entity_id = m.ghost_entity_id OR i.story_id = m.story_id)
                AND i.kind IN ('like', 'read')
            UNION ALL
            SELECT rp.user_id
            FROM reading_progress AS rp
            WHERE rp.story_id = m.story_id AND rp.completed_at IS NOT NULL
        ) AS x
    WHERE x.user_id IS NOT NULL AND x.user_id <> @user_id
    GROUP BY x.user_id
    ORDER BY shared DESC, x.user_id ASC
    LIMIT 200
),

theirs AS (
    SELECT DISTINCT
        p.user_id,
        p.shared,
        p.anchor_id,
        y.content_id
    FROM peers AS p
    CROSS JOIN LATERAL (
        SELECT coalesce(b.ghost_entity_id, b.story_id) AS content_id
        FROM bookmarks AS b
        WHERE b.user_id = p.user_id
        UNION ALL
        SELECT coalesce(i.ghost_entity_id, i.story_id) AS content_id
        FROM interactions AS i
        WHERE i.user_id = p.user_id AND i.kind IN ('like', 'read')
        UNION ALL
        SELECT rp.story_id AS content_id
        FROM reading_progress AS rp
        WHERE rp.user_id = p.user_id AND rp.completed_at IS NOT NULL
    ) AS y
),

scored AS (
    SELECT
        t.content_id,
        sum(t.shared)::double precision AS score,
        count(*) AS peers,
        mode() WITHIN GROUP (ORDER BY t.anchor_id) AS anchor_id
    FROM theirs AS t
    WHERE
        t.content_id <> all(@excluded_ids::uuid[])
        AND NOT EXISTS (
            SELECT FROM mine AS m
            WHERE coalesce(m.ghost_entity_id, m.story_id) = t.content_id
        )
    GROUP BY t.content_id
)

SELECT
    sc.content_id AS "id!",
    g.entity_type AS "entity_type?",
    sc.score AS "score!",
    sc.peers AS "peers!",
    CASE WHEN g.id IS NULL THEN 'story' ELSE 'ghost' END AS "content_type!",
    coalesce(ag.name, ast.title) AS "anchor_title?"
FROM scored AS sc
LEFT JOIN ghost_entities AS g
    ON
        sc.content_id = g.id
        AND g.status = 'published'
        AND g.danger_level BETWEEN @min_danger::smallint AND @max_danger::smallint
LEFT JOIN stories AS s ON sc.content_id = s.id AND s.status = 'published'
LEFT JOIN ghost_entities AS ag ON sc.anchor_id = ag.id
LEFT JOIN stories AS ast ON sc.anchor_id = ast.id
WHERE g.id IS NOT NULL OR s.id IS NOT NULL
ORDER BY sc.score DESC, sc.peers DESC, sc.content_id ASC
LIMIT @max_rows;

-- name: ListPopularCandidates :many
-- Published content by its counters (views 1, likes 3, shares 5, reads 4, bookmarks 4,
-- comments 2) on a log scale, newest first among equals; entities of a favourite type first
-- (favorite true), entities only within the danger range; none of excluded_ids.
SELECT
    c.id AS "id!",
    c.content_type AS "content_type!",
    c.entity_type AS "entity_type?",
    c.favorite AS "favorite!",
    c.score AS "score!"
FROM (
    SELECT
        g.id,
        'ghost' AS content_type,
        g.entity_type,
        g.entity_type = any(@favorite_types::text[]) AS favorite,
        g.published_at,
        ln(
            1
            + coalesce(
                cs.view_count + 3 * cs.like_count + 5 * cs.share_count + 4 * cs.read_count
                + 4 * cs.bookmark_count + 2 * cs.comment_count,
                0
            )
        )::double precision AS score
    FROM ghost_entities AS g
    LEFT JOIN content_statistics AS cs ON g.id = cs.ghost_entity_id
    WHERE
        g.status = 'published'
        AND g.danger_level BETWEEN @min_danger::smallint AND @max_danger::smallint
        AND g.id <> all(@excluded_ids::uuid[])
    UNION ALL
    SELECT
        s.id,
        'story' AS content_type,
        NULL AS entity_type,
        FALSE AS favorite,
        s.published_at,
        ln(
            1
            + coalesce(
                cs.view_count + 3 * cs.like_count + 5 * cs.share_count + 4 * cs.read_count
                + 4 * cs.bookmark_count + 2 * cs.comment_count,
                0
            )
        )::double precision AS score
    FROM stories AS s
    LEFT JOIN content_statistics AS cs ON s.id = cs.story_id
    WHERE
        s.status = 'published'
        AND s.id <> all(@excluded_ids::uuid[])
) AS c
ORDER BY c.favorite DESC, c.score DESC, c.published_at DESC, c.id ASC
LIMIT @max_rows;

-- name: SaveRecommendations :one
-- Make the user's list exactly these (content_types[i] 'ghost' or 'story' of ids[i], with
-- scores[i], reasons[i], algorithms[i]), expiring after ttl. A recommendation that stays
-- keeps its id (feedback may point at it); the others are deleted.
WITH incoming AS (
    SELECT
        r.content_type,
        r.id,
        r.score,
        r.reason,
        r.algorithm
    FROM unnest(
        @content_types::text[],
        @ids::uuid[],
        @scores::double precision[],
        @reasons::text[],
        @algorithms::text[]
    ) AS r (content_type, id, score, reason, algorithm)
),

removed AS (
    DELETE FROM recommendations AS previous
    WHERE
        previous.user_id = @user_id
        AND NOT EXISTS (
            SELECT FROM incoming
            WHERE incoming.id = coalesce(previous.ghost_entity_id, previous.story_id)
        )
    RETURNING previous.id
),

ghosts AS (
    INSERT INTO recommendations AS r (
        user_id, ghost_entity_id, score, reason, algorithm, expires_at
    )
    SELECT
        @user_id,
        incoming.id,
        incoming.score,
        incoming.reason,
        incoming.algorithm,
        now() + @ttl::interval
    FROM incoming
    WHERE incoming.content_type = 'ghost'
    ON CONFLICT (user_id, ghost_entity_id) DO UPDATE
        SET
            score = excluded.score,
            reason = excluded.reason,
            algorithm = excluded.algorithm,
            expires_at = excluded.expires_at
    RETURNING r.id
),

stories AS (
    INSERT INTO recommendations AS r (
        user_id, story_id, score, reason, algorithm, expires_at
    )
    SELECT
        @user_id,
        incoming.id,
        incoming.score,
        incoming.reason,
        incoming.algorithm,
        now() + @ttl::interval
    FROM incoming
    WHERE incoming.content_type = 'story'
    ON CONFLICT (user_id, story_id) DO UPDATE
        SET
            score = excluded.score,
            reason = excluded.reason,
            algorithm = excluded.algorithm,
            expires_at = excluded.expires_at
    RETURNING r.id
)

SELECT
    (SELECT count(*) FROM ghosts) + (SELECT count(*) FROM stories) AS "saved!",
    (SELECT count(*) FROM removed) AS "removed!";

-- name: CountRecommendations :one
-- How many recommendations are stored for the user, shown or not, expired or not.
SELECT count(*) AS "stored!"
FROM recommendations AS r
WHERE r.user_id = @user_id;

-- name: ClaimStaleRecommendations :execrows
-- Give the user's expired recommendations `grace` more to live; the number of rows says
-- whether any were expired. Of concurrent callers, only one sees them expired (row locks),
-- so only one queues the refresh that replaces them.
UPDATE recommendations AS r
SET expires_at = now() + @grace::interval
WHERE r.user_id = @user_id AND r.expires_at <= now();

-- name: GetQueuedRecommendationRefresh :one
-- The user's queued recommendations.refresh job, if there is one.
SELECT j.id
FROM jobs AS j
WHERE
    j.kind = 'recommendations.refresh'
    AND j.status = 'queued'
    AND j.payload @> jsonb_build_object('user_id', @user_id::uuid::text)
ORDER BY j.run_at ASC, j.id ASC
LIMIT 1;

-- name: ListRecommendations :many
-- The user's recommendations of published content, best first, without anything they have
-- since seen, bookmarked or started, or dismissed or found not helpful (the same rules
-- as GetRecommendationExclusions). Keyset on (score DESC, id): pass the last row's score and
-- id for the next page (NULLs for the first).
SELECT
    r.id,
    g.entity_type AS "entity_type?",
    r.score,
    r.reason,
    r.algorithm,
    r.expires_at,
    r.updated_at,
    CASE WHEN r.story_id IS NULL THEN 'ghost' ELSE 'story' END AS "content_type!",
    coalesce(g.id, s.id) AS "content_id!",
    coalesce(g.slug, s.slug) AS "slug!",
    coalesce(g.name, s.title) AS "title!",
    coalesce(g.tags, s.tags) AS "tags!"
FROM recommendations AS r
LEFT JOIN ghost_entities AS g ON r.ghost_entity_id = g.id AND g.status = 'published'
LEFT JOIN stories AS s ON r.story_id = s.id AND s.status = 'published'
WHERE
    r.user_id = @user_id
    AND (g.id IS NOT NULL OR s.id IS NOT NULL)
    AND (
        sqlc.narg(after_id)::uuid IS NULL
        OR r.score < sqlc.narg(after_score)::double precision
        OR (r.score = sqlc.narg(after_score)::double precision AND r.id > sqlc.narg(after_id))
    )
    AND NOT EXISTS (
        SELECT FROM recommendation_feedback AS f
        WHERE
            f.user_id = r.user_id
            AND f.feedback IN ('dismissed', 'not_helpful')
            AND (f.ghost_entity_id = r.ghost_entity_id OR f.story_id = r.story_id)
    )
    AND NOT EXISTS (
        SELECT FROM bookmarks AS b
        WHERE
            b.user_id = r.user_id
            AND (b.ghost_entity_id = r.ghost_entity_id OR b.story_id = r.story_id)
    )
    AND NOT EXISTS (
        SELECT FROM reading_progress AS rp
        WHERE rp.user_id = r.user_id AND rp.story_id = r.story_id
    )
    AND NOT EXISTS (
        SELECT FROM interactions AS i
        WHERE
            i.user_id = r.user_id
            AND (i.ghost_entity_id = r.ghost_entity_id OR i.story_id = r.story_id)
    )
ORDER BY r.score DESC, r.id ASC
LIMIT @max_rows;

-- name: RecordRecommendationFeedback :one
-- Record (or change) the user's feedback on one of their recommendations: one feedback per
-- user and content, whichever recommendation it came through. No row when the
-- recommendation is not the user's. created: false when it replaced earlier feedback.
WITH recommendation AS (
    SELECT
        r.id,
        r.ghost_entity_id,
        r.story_id
    FROM recommendations AS r
    WHERE r.id = @recommendation_id AND r.user_id = @user_id
),

ghost_feedback AS (
    INSERT INTO recommendation_feedback AS f (
        user_id, recommendation_id, ghost_entity_id, feedback
    )
    SELECT
        @user_id,
        recommendation.id,
        recommendation.ghost_entity_id,
        @feedback
    FROM recommendation
    WHERE recommendation.ghost_entity_id IS NOT NULL
    ON CONFLICT (user_id, ghost_entity_id) DO UPDATE
        SET recommendation_id = excluded.recommendation_id, feedback = excluded.feedback
    RETURNING f.id, f.feedback, f.created_at, f.updated_at, old.id IS NULL AS created
),

story_feedback AS (
    INSERT INTO recommendation_feedback AS f (
        user_id, recommendation_id, story_id, feedback
    )
    SELECT
        @user_id,
        recommendation.id,
        recommendation.story_id,
        @feedback
    FROM recommendation
    WHERE recommendation.story_id IS NOT NULL
    ON CONFLICT (user_id, story_id) DO UPDATE
        SET recommendation_id = excluded.recommendation_id, feedback = excluded.feedback
    RETURNING f.id, f.feedback, f.created_at, f.updated_at, old.id IS NULL AS created
),

saved AS (
    SELECT * FROM ghost_feedback
    UNION ALL
    SELECT * FROM story_feedback
)

SELECT
    saved.id AS "id!",
    recommendation.id AS "recommendation_id!",
    saved.feedback AS "feedback!",
    saved.created AS "created!",
    saved.created_at AS "created_at!",
    saved.updated_at AS "updated_at!",
    CASE WHEN recommendation.story_id IS NULL THEN 'ghost' ELSE 'story' END AS "content_type!",
    coalesce(g.slug, s.slug) AS "slug!"
FROM saved
CROSS JOIN recommendation
LEFT JOIN ghost_entities AS g ON recommendation.ghost_entity_id = g.id
LEFT JOIN stories AS s ON recommendation.story_id = s.id;

-- noqa: enable=RF02

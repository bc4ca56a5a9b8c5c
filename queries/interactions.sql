-- Interactions: views, likes and shares of published entities and stories.

-- name: RecordInteraction :one
-- Record one interaction with a published entity or story (content_type 'ghost' or
-- 'story', by slug); user_id is NULL for anonymous visitors; id is the new row's, chosen by
-- the caller (which may have promised it already). No row when there is no such content.
WITH target AS (
    SELECT
        g.id AS ghost_entity_id,
        NULL::uuid AS story_id
    FROM ghost_entities AS g
    WHERE @content_type::text = 'ghost' AND g.slug = @slug AND g.status = 'published'
    UNION ALL
    SELECT
        NULL::uuid AS ghost_entity_id,
        s.id AS story_id
    FROM stories AS s
    WHERE @content_type::text = 'story' AND s.slug = @slug AND s.status = 'published'
)

INSERT INTO interactions (id, user_id, ghost_entity_id, story_id, kind)
SELECT
    @id::uuid,
    sqlc.narg(user_id)::uuid,
    target.ghost_entity_id,
    target.story_id,
    @kind
FROM target
RETURNING id, kind, created_at;

-- name: LockLike :exec
-- Serialize likes of one target by one user until the transaction ends (no unique index
-- says "one like per user and target").
SELECT pg_advisory_xact_lock(hashtextextended(@lock_key, 0));

-- name: RecordLike :one
-- A user's like of a published entity or story (by slug): the existing one (created false)
-- or a new one (created true). No row when there is no such content. Run after LockLike in
-- the same transaction.
WITH target AS (
    SELECT
        g.id AS ghost_entity_id,
        NULL::uuid AS story_id
    FROM ghost_entities AS g
    WHERE @content_type::text = 'ghost' AND g.slug = @slug AND g.status = 'published'
    UNION ALL
    SELECT
        NULL::uuid AS ghost_entity_id,
        s.id AS story_id
    FROM stories AS s
    WHERE @content_type::text = 'story' AND s.slug = @slug AND s.status = 'published'
),

existing AS (
    SELECT
        i.id,
        i.created_at
    FROM interactions AS i
    INNER JOIN target
        ON
            i.ghost_entity_id IS NOT DISTINCT FROM target.ghost_entity_id
            AND i.story_id IS NOT DISTINCT FROM target.story_id
    WHERE i.user_id = @user_id AND i.kind = 'like' -- noqa: RF02
    ORDER BY i.created_at, i.id
    LIMIT 1
),

inserted AS (
    INSERT INTO interactions (user_id, ghost_entity_id, story_id, kind)
    SELECT
        @user_id,
        target.ghost_entity_id,
        target.story_id,
        'like' AS kind
    FROM target
    WHERE NOT EXISTS (SELECT FROM existing)
    RETURNING id, created_at
)

SELECT
    inserted.id,
    inserted.created_at,
    TRUE AS "created!"
FROM inserted
UNION ALL
SELECT
    existing.id,
    existing.created_at,
    FALSE AS created
FROM existing;

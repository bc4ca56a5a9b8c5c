-- Embeddings of entities and stories, and their passages (service/domain/embeddings.py):
-- written by the embed.* jobs and the backfill, never on a write's request path.
-- Vectors go in as real[] and are cast to vector(384) here, so the driver needs no codec.

-- The linter's placeholder templater turns parameters into bare names, which RF02 would want
-- qualified.
-- noqa: disable=RF02

-- name: GetGhostEmbeddingSource :one
-- An entity's text to embed (whatever its status) and the hash of what was embedded last
-- (NULL: never embedded).
SELECT
    g.id,
    g.name,
    g.entity_type,
    g.description,
    e.content_hash AS "embedded_hash?"
FROM ghost_entities AS g
LEFT JOIN ghost_embeddings AS e ON g.id = e.ghost_entity_id
WHERE g.id = @id;

-- name: GetStoryEmbeddingSource :one
-- A story's text to embed (whatever its status) and the hash of what was embedded last.
SELECT
    s.id,
    s.title,
    s.summary,
    s.body,
    e.content_hash AS "embedded_hash?"
FROM stories AS s
LEFT JOIN story_embeddings AS e ON s.id = e.story_id
WHERE s.id = @id;

-- name: UpsertGhostEmbedding :exec
-- Store an entity's embedding and the hash of the text it was computed from.
INSERT INTO ghost_embeddings (ghost_entity_id, content_hash, embedding)
VALUES (@ghost_entity_id, @content_hash, @embedding::real[]::vector(384))
ON CONFLICT (ghost_entity_id) DO UPDATE
    SET
        content_hash = excluded.content_hash,
        embedding = excluded.embedding;

-- name: UpsertStoryEmbedding :exec
-- Store a story's embedding and the hash of the text it was computed from.
INSERT INTO story_embeddings (story_id, content_hash, embedding)
VALUES (@story_id, @content_hash, @embedding::real[]::vector(384))
ON CONFLICT (story_id) DO UPDATE
    SET
        content_hash = excluded.content_hash,
        embedding = excluded.embedding;

-- name: ListPassageHashes :many
-- The passages of one owner (give ghost_id or story_id, the other NULL), by position.
SELECT
    p.position,
    p.content_hash
FROM passages AS p
WHERE p.ghost_entity_id = sqlc.narg(ghost_id) OR p.story_id = sqlc.narg(story_id)
ORDER BY p.position ASC;

-- name: DeletePassages :execrows
-- Delete an owner's passages at positions from `keep` on and at `positions` (to be replaced).
DELETE FROM passages AS p
WHERE
    (p.ghost_entity_id = sqlc.narg(ghost_id) OR p.story_id = sqlc.narg(story_id))
    AND (p.position >= @keep::integer OR p.position = any(@positions::smallint[]));

-- name: InsertPassage :exec
-- Store one passage of an entity's description or of a story's body, with its embedding.
INSERT INTO passages (ghost_entity_id, story_id, position, body, content_hash, embedding)
VALUES (
    sqlc.narg(ghost_id),
    sqlc.narg(story_id),
    @position::smallint,
    @body,
    @content_hash,
    @embedding::real[]::vector(384)
);

-- name: ListContentToEmbed :many
-- Entities and stories (any status) to embed: those with no embedding yet, or every one when
-- include_embedded; by kind then id, after (after_kind, after_id) for batches.
WITH content AS (
    SELECT
        'ghost' AS kind,
        g.id
    FROM ghost_entities AS g
    WHERE
        @include_embedded::boolean
        OR NOT EXISTS (
            SELECT 1 FROM ghost_embeddings AS e
            WHERE e.ghost_entity_id = g.id
        )
    UNION ALL
    SELECT
        'story' AS kind,
        s.id
    FROM stories AS s
    WHERE
        @include_embedded::boolean
        OR NOT EXISTS (
            SELECT 1 FROM story_embeddings AS e
            WHERE e.story_id = s.id
        )
)

SELECT
    c.kind AS "kind!",
    c.id AS "id!"
FROM content AS c
WHERE (c.kind, c.id) > (@after_kind::text, @after_id::uuid)
ORDER BY c.kind ASC, c.id ASC
LIMIT @max_rows;

-- name: CountContentToEmbed :one
-- How many rows ListContentToEmbed lists in all (for the backfill's progress line).
SELECT
    (
        SELECT count(*)
        FROM ghost_entities AS g
        WHERE
            @include_embedded::boolean
            OR NOT EXISTS (
                SELECT 1 FROM ghost_embeddings AS e
                WHERE e.ghost_entity_id = g.id
            )
    )
    + (
        SELECT count(*)
        FROM stories AS s
        WHERE
            @include_embedded::boolean
            OR NOT EXISTS (
                SELECT 1 FROM story_embeddings AS e
                WHERE e.story_id = s.id
            )
    ) AS "total!";

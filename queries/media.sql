-- Media of entities and stories: uploaded files stored by content (sha256), or external URLs.

-- name: LockMediaContent :exec
-- Serialize writers and removers of one stored file (by its hex digest) until commit: an
-- upload holds it while it writes the file and its row, a removal while it checks that no row
-- refers to the file and deletes it.
SELECT pg_advisory_xact_lock(hashtextextended('media:' || @digest::text, 0));

-- name: CreateMedia :one
-- A stored upload of one entity or story (give exactly one of the two ids); without a
-- position it goes after the others.
INSERT INTO media (
    ghost_entity_id,
    story_id,
    sha256,
    mime_type,
    size_bytes,
    width,
    height,
    alt_text,
    position
)
VALUES (
    sqlc.narg(ghost_entity_id)::uuid,
    sqlc.narg(story_id)::uuid,
    @sha256::bytea,
    @mime_type,
    @size_bytes,
    @width,
    @height,
    @alt_text,
    coalesce(
        sqlc.narg(position)::smallint,
        (
            SELECT count(*)::smallint
            FROM media AS x
            WHERE
                x.ghost_entity_id = sqlc.narg(ghost_entity_id)::uuid
                OR x.story_id = sqlc.narg(story_id)::uuid
        )
    )
)
RETURNING
    id,
    ghost_entity_id,
    story_id,
    sha256,
    mime_type,
    size_bytes,
    width,
    height,
    alt_text,
    position,
    created_at;

-- name: GetMedia :one
-- One media row, to serve its file.
SELECT
    m.id,
    m.url,
    m.sha256,
    m.mime_type,
    m.size_bytes
FROM media AS m
WHERE m.id = @id;

-- name: DeleteMedia :one
-- Delete one media row; what the caller needs to drop its file and its parent's pages.
DELETE FROM media
WHERE id = @id
RETURNING id, ghost_entity_id, story_id, sha256;

-- name: ListMediaDigestsOf :many
-- The stored files of an entity's or a story's media (before deleting it).
SELECT DISTINCT m.sha256 AS "sha256!"
FROM media AS m
WHERE
    m.sha256 IS NOT NULL
    AND (
        m.ghost_entity_id = sqlc.narg(ghost_entity_id)::uuid
        OR m.story_id = sqlc.narg(story_id)::uuid
    );

-- name: ListReferencedMediaDigests :many
-- Which of these digests some media row still refers to.
SELECT DISTINCT m.sha256 AS "sha256!"
FROM media AS m
WHERE m.sha256 = any(@digests::bytea[]);

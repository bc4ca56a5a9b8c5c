-- Bookmarks: a user's saved entities and stories.

-- name: GetBookmarkTarget :one
-- A published entity or story to bookmark, by content_type ('ghost' or 'story') and either
-- its slug or its id; title is the story's title or the entity's name.
SELECT
    g.id,
    'ghost' AS "content_type!",
    g.slug,
    g.name AS title
FROM ghost_entities AS g
WHERE
    @content_type::text = 'ghost'
    AND g.status = 'published'
    AND (g.slug = sqlc.narg(slug) OR g.id = sqlc.narg(id))
UNION ALL
SELECT
    s.id,
    'story' AS content_type,
    s.slug,
    s.title
FROM stories AS s
WHERE
    @content_type::text = 'story'
    AND s.status = 'published'
    AND (s.slug = sqlc.narg(slug) OR s.id = sqlc.narg(id));

-- name: CreateBookmark :one
-- Bookmark an entity (ghost_entity_id) or a story (story_id) for a user; no row when the
-- user has already bookmarked it.
INSERT INTO bookmarks (user_id, ghost_entity_id, story_id, note)
VALUES (@user_id, sqlc.narg(ghost_entity_id), sqlc.narg(story_id), @note)
ON CONFLICT DO NOTHING
RETURNING id, note, created_at;

-- name: GetBookmarkForTarget :one
-- The user's existing bookmark of an entity or a story.
SELECT
    b.id,
    b.note,
    b.created_at
FROM bookmarks AS b
WHERE
    b.user_id = @user_id
    AND (
        b.ghost_entity_id = sqlc.narg(ghost_entity_id)
        OR b.story_id = sqlc.narg(story_id)
    );

-- name: ListBookmarks :many
-- A user's bookmarks of published content, newest first; keyset pagination on
-- (created_at, id). Pass the last row's created_at and id for the next page (first page:
-- datetime.max, any id).
SELECT
    b.id,
    b.content_type AS "content_type!",
    b.note,
    b.created_at,
    coalesce(g.slug, s.slug) AS "slug!",
    coalesce(g.name, s.title) AS "title!"
FROM bookmarks AS b
LEFT JOIN ghost_entities AS g ON b.ghost_entity_id = g.id AND g.status = 'published'
LEFT JOIN stories AS s ON b.story_id = s.id AND s.status = 'published'
WHERE
    b.user_id = @user_id -- noqa: RF02
    AND (b.created_at, b.id) < (@after_created_at, @after_id) -- noqa: RF02
    AND (g.id IS NOT NULL OR s.id IS NOT NULL)
ORDER BY b.created_at DESC, b.id DESC
LIMIT @max_rows;

-- name: DeleteBookmark :execrows
-- Delete one of the user's bookmarks; 0 rows when it is not theirs or does not exist.
DELETE FROM bookmarks
WHERE id = @id AND user_id = @user_id;

-- Comments on stories: threads of replies, soft-deleted so replies keep their place.

-- name: GetPublishedStoryId :one
-- The id of a published story, by slug: only published stories have comments.
SELECT s.id
FROM stories AS s
WHERE s.slug = @slug AND s.status = 'published';

-- name: GetComment :one
-- One comment's story, author and state, to check a reply's parent or an edit's author.
SELECT
    c.id,
    c.story_id,
    c.user_id,
    c.deleted_at
FROM comments AS c
WHERE c.id = @id;

-- name: ListTopLevelComments :many
-- A page of a story's top-level comments, oldest first; keyset pagination on
-- (created_at, id). Pass the last row's created_at and id for the next page (first page:
-- datetime.min, any id). A deleted comment keeps its place with body '[deleted]' and no
-- author.
SELECT
    c.id,
    c.parent_id,
    u.id AS author_id,
    u.username AS author_username,
    u.display_name AS author_display_name,
    c.created_at,
    c.updated_at,
    CASE WHEN c.deleted_at IS NULL THEN c.body ELSE '[deleted]' END AS "body!",
    c.deleted_at IS NOT NULL AS "deleted!"
FROM comments AS c
LEFT JOIN users AS u ON c.user_id = u.id AND c.deleted_at IS NULL
WHERE
    c.story_id = @story_id -- noqa: RF02
    AND c.parent_id IS NULL
    AND (c.created_at, c.id) > (@after_created_at, @after_id) -- noqa: RF02
ORDER BY c.created_at ASC, c.id ASC
LIMIT @max_rows;

-- name: ListCommentReplies :many
-- Every reply, at any depth, under the given top-level comments, with the top-level comment
-- it belongs to (root_id), oldest first; deleted replies come back as in
-- ListTopLevelComments.
WITH RECURSIVE thread AS (
    SELECT
        c.id,
        c.parent_id AS root_id
    FROM comments AS c
    WHERE c.parent_id = any(@root_ids::uuid[])
    UNION ALL
    SELECT
        c.id,
        t.root_id
    FROM comments AS c
    INNER JOIN thread AS t ON c.parent_id = t.id
)

SELECT
    c.id,
    c.parent_id,
    u.id AS author_id,
    u.username AS author_username,
    u.display_name AS author_display_name,
    c.created_at,
    c.updated_at,
    thread.root_id AS "root_id!",
    CASE WHEN c.deleted_at IS NULL THEN c.body ELSE '[deleted]' END AS "body!",
    c.deleted_at IS NOT NULL AS "deleted!"
FROM thread
INNER JOIN comments AS c ON thread.id = c.id
LEFT JOIN users AS u ON c.user_id = u.id AND c.deleted_at IS NULL
ORDER BY c.created_at ASC, c.id ASC;

-- name: CreateComment :one
-- Add a comment (a reply when parent_id is set; the parent must be in the same story).
WITH created AS (
    INSERT INTO comments (story_id, user_id, parent_id, body)
    VALUES (@story_id, @user_id, sqlc.narg(parent_id), @body)
    RETURNING id, parent_id, body, user_id, created_at, updated_at
)

SELECT
    created.id,
    created.parent_id,
    u.id AS author_id,
    u.username AS author_username,
    u.display_name AS author_display_name,
    created.created_at,
    created.updated_at,
    created.body,
    FALSE AS "deleted!"
FROM created
LEFT JOIN users AS u ON created.user_id = u.id;

-- name: UpdateCommentBody :one
-- Replace the body of a comment that is not deleted; no row otherwise.
WITH updated AS (
    UPDATE comments
    SET body = @body
    WHERE id = @id AND deleted_at IS NULL
    RETURNING id, parent_id, body, user_id, created_at, updated_at
)

SELECT
    updated.id,
    updated.parent_id,
    u.id AS author_id,
    u.username AS author_username,
    u.display_name AS author_display_name,
    updated.created_at,
    updated.updated_at,
    updated.body,
    FALSE AS "deleted!"
FROM updated
LEFT JOIN users AS u ON updated.user_id = u.id;

-- name: SoftDeleteComment :execrows
-- Mark a comment deleted (its replies stay); 0 rows when it is missing or already deleted.
UPDATE comments
SET deleted_at = now()
WHERE id = @id AND deleted_at IS NULL;

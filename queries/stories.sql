-- Stories told about the entities.

-- name: GetStoryBySlug :one
-- One published story by its slug.
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.body,
    s.tags,
    s.reading_minutes,
    s.published_at,
    s.author_id,
    s.updated_at
FROM stories AS s
WHERE s.slug = @slug AND s.status = 'published';

-- name: ListPublishedStoriesRecent :many
-- Published stories, newest first; keyset pagination on (published_at, id).
-- Pass the last row's published_at and id for the next page (first page: datetime.max, any id).
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.tags,
    s.reading_minutes,
    -- the published_at CHECK makes it NOT NULL for published rows
    s.published_at AS "published_at!" -- noqa: RF05
FROM stories AS s
WHERE
    s.status = 'published'
    AND (s.published_at, s.id) < (@after_published_at, @after_id)
ORDER BY s.published_at DESC, s.id DESC
LIMIT @max_rows;

-- name: SearchStories :many
-- Full-text search over published stories, best matches first (web search syntax).
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.reading_minutes,
    -- "!" declares the rank NOT NULL: search_vector is never NULL
    ts_rank_cd(s.search_vector, websearch_to_tsquery('english', @query)) AS "rank!" -- noqa: RF05
FROM stories AS s
WHERE
    s.status = 'published'
    AND s.search_vector @@ websearch_to_tsquery('english', @query)
ORDER BY "rank!" DESC, s.id ASC -- noqa: RF05
LIMIT @max_rows;

-- name: ListStoryEntities :many
-- The entities a story features or mentions, in display order. The entity columns are
-- optional: a link whose entity is unpublished comes back with only its role and position.
SELECT
    sge.role,
    sge.position,
    g.id AS ghost_id,
    g.slug AS ghost_slug,
    g.name AS ghost_name,
    g.entity_type AS ghost_entity_type
FROM story_ghost_entities AS sge
LEFT JOIN ghost_entities AS g
    ON sge.ghost_entity_id = g.id AND g.status = 'published'
WHERE sge.story_id = @story_id -- noqa: RF02
ORDER BY sge.position ASC, sge.ghost_entity_id ASC;

-- name: ListStoriesForGhost :many
-- Published stories linked to an entity, newest first.
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.reading_minutes,
    s.published_at,
    sge.role
FROM story_ghost_entities AS sge
INNER JOIN stories AS s ON sge.story_id = s.id
WHERE sge.ghost_entity_id = @ghost_entity_id AND s.status = 'published' -- noqa: RF02
ORDER BY s.published_at DESC, s.id DESC
LIMIT @max_rows;

-- name: CreateStory :one
-- Create a story; it starts as a draft unless status says otherwise.
INSERT INTO stories (
    slug, title, summary, body, tags, reading_minutes, status, published_at, author_id
) VALUES (
    @slug,
    @title,
    @summary,
    @body,
    @tags,
    @reading_minutes,
    @status,
    @published_at,
    @author_id
)
RETURNING
    id,
    slug,
    title,
    summary,
    body,
    tags,
    reading_minutes,
    status,
    published_at,
    author_id,
    created_at,
    updated_at;

-- name: LinkStoryGhost :exec
-- Attach an entity to a story (or change its role and position when already attached).
INSERT INTO story_ghost_entities (story_id, ghost_entity_id, role, position)
VALUES (@story_id, @ghost_entity_id, @role, @position)
ON CONFLICT (story_id, ghost_entity_id)
DO UPDATE SET role = excluded.role, position = excluded.position;

-- name: DeleteStoryBySlug :execrows
-- Delete a story by slug; returns how many rows went (0 or 1).
DELETE FROM stories
WHERE slug = @slug;

-- Ghost entities: the encyclopedia's articles.

-- name: GetGhostBySlug :one
-- One published entity by its slug, with its tags and danger level.
SELECT
    g.id,
    g.slug,
    g.name,
    g.entity_type,
    g.origin,
    g.location,
    g.era,
    g.description,
    g.danger_level,
    g.characteristics,
    g.tags,
    g.published_at,
    g.author_id,
    g.updated_at
FROM ghost_entities AS g
WHERE g.slug = @slug AND g.status = 'published';

-- name: GetGhostById :one
-- One entity by id, whatever its status (editors' view).
SELECT
    id,
    slug,
    name,
    entity_type,
    origin,
    location,
    era,
    description,
    danger_level,
    characteristics,
    tags,
    status,
    published_at,
    author_id,
    created_at,
    updated_at
FROM ghost_entities
WHERE id = @id;

-- name: ListPublishedGhostsRecent :many
-- Published entities, newest first; keyset pagination on (published_at, id).
-- Pass the last row's published_at and id for the next page (first page: datetime.max, any id).
SELECT
    g.id,
    g.slug,
    g.name,
    g.entity_type,
    g.danger_level,
    g.tags,
    -- the published_at CHECK makes it NOT NULL for published rows
    g.published_at AS "published_at!", -- noqa: RF05
    g.updated_at
FROM ghost_entities AS g
WHERE
    g.status = 'published'
    AND (g.published_at, g.id) < (@after_published_at, @after_id)
ORDER BY g.published_at DESC, g.id DESC
LIMIT @max_rows;

-- name: SearchGhosts :many
-- Full-text search over published entities, best matches first.
-- `query` takes web search syntax: quoted phrases, OR, -excluded.
SELECT
    g.id,
    g.slug,
    g.name,
    g.entity_type,
    g.danger_level,
    g.tags,
    -- "!" declares the rank NOT NULL: search_vector is never NULL
    ts_rank_cd(g.search_vector, websearch_to_tsquery('english', @query)) AS "rank!" -- noqa: RF05
FROM ghost_entities AS g
WHERE
    g.status = 'published'
    AND g.search_vector @@ websearch_to_tsquery('english', @query)
ORDER BY "rank!" DESC, g.id ASC -- noqa: RF05
LIMIT @max_rows;

-- name: ListGhostsByTags :many
-- Published entities carrying every one of the given tags.
SELECT
    g.id,
    g.slug,
    g.name,
    g.entity_type,
    g.danger_level,
    g.tags,
    g.published_at
FROM ghost_entities AS g
WHERE g.status = 'published' AND g.tags @> @tags::text[]
ORDER BY g.published_at DESC, g.id DESC
LIMIT @max_rows;

-- name: ListGhostsByIds :many
-- Entities by id, any status; an empty list matches nothing.
SELECT
    g.id,
    g.slug,
    g.name,
    g.entity_type,
    g.danger_level,
    g.status
FROM ghost_entities AS g
WHERE g.id = any(@ids::uuid[])
ORDER BY g.name ASC, g.id ASC;

-- name: CreateGhost :one
-- Create an entity; it starts as a draft unless status says otherwise.
INSERT INTO ghost_entities (
    slug,
    name,
    entity_type,
    origin,
    location,
    era,
    description,
    danger_level,
    characteristics,
    tags,
    status,
    published_at,
    author_id
) VALUES (
    @slug,
    @name,
    @entity_type,
    @origin,
    @location,
    @era,
    @description,
    @danger_level,
    @characteristics,
    @tags,
    @status,
    @published_at,
    @author_id
)
RETURNING *;

-- name: UpdateGhost :one
-- Replace an entity's editable fields; None when the id does not exist.
UPDATE ghost_entities
SET
    name = @name,
    entity_type = @entity_type,
    origin = @origin,
    location = @location,
    era = @era,
    description = @description,
    danger_level = @danger_level,
    characteristics = @characteristics,
    tags = @tags,
    status = @status,
    published_at = @published_at
WHERE id = @id
RETURNING *;

-- name: DeleteGhostBySlug :execrows
-- Delete an entity by slug; returns how many rows went (0 or 1).
DELETE FROM ghost_entities
WHERE slug = @slug;

-- name: CopyGhosts :copyfrom
-- Bulk-load entities through COPY (seeding, imports).
INSERT INTO ghost_entities (
    id,
    slug,
    name,
    entity_type,
    origin,
    location,
    era,
    description,
    danger_level,
    characteristics,
    tags,
    status,
    published_at,
    author_id
) VALUES (
    @id,
    @slug,
    @name,
    @entity_type,
    @origin,
    @location,
    @era,
    @description,
    @danger_level,
    @characteristics,
    @tags,
    @status,
    @published_at,
    @author_id
);

-- name: IterAllGhostIds :iter
-- Every entity's id and last update, for sitemaps and reindexing jobs.
SELECT
    g.id,
    g.slug,
    g.updated_at
FROM ghost_entities AS g
ORDER BY g.id ASC;

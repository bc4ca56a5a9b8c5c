-- Stories told about the entities.

-- name: DeleteStoryBySlug :execrows
-- Delete a story by slug; returns how many rows went (0 or 1).
DELETE FROM stories
WHERE slug = @slug;

-- ---- HTTP API v1 -------------------------------------------------------------------------------
-- List filters shared by ListStoriesRecent, ListStoriesByTitle and ListStoriesByRelevance: drafts
-- only with include_drafts (editors' view), query in web search syntax, tags all present ([] for
-- any), ghost_slug: stories linked to that entity (NULL for any; a draft entity counts only with
-- include_drafts). after_* is the keyset position of the last row of the previous page
-- (after_id NULL for the first page).

-- The linter's placeholder templater turns parameters into bare names, which RF02 would want
-- qualified in the joins and subqueries below.
-- noqa: disable=RF02

-- name: ListStoriesRecent :many
-- Stories newest first; drafts (no published_at) come ahead of them in the editors' view.
-- Filters and keyset: see the "HTTP API v1" note in queries/stories.sql.
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.tags,
    s.reading_minutes,
    s.status,
    s.published_at,
    s.updated_at
FROM stories AS s
WHERE
    (s.status = 'published' OR @include_drafts::boolean)
    AND (
        sqlc.narg(query)::text IS NULL
        OR s.search_vector @@ websearch_to_tsquery('english', sqlc.narg(query))
    )
    AND (cardinality(@tags::text[]) = 0 OR s.tags @> @tags::text[])
    AND (
        sqlc.narg(ghost_slug)::text IS NULL
        OR EXISTS (
            SELECT
            FROM story_ghost_entities AS sge
            INNER JOIN ghost_entities AS g ON sge.ghost_entity_id = g.id
            WHERE
                sge.story_id = s.id
                AND g.slug = sqlc.narg(ghost_slug)
                AND (g.status = 'published' OR @include_drafts)
        )
    )
    -- DESC puts NULLs (drafts) first: after a draft come the remaining drafts, then every
    -- published row; after a published row only older published rows.
    AND (
        sqlc.narg(after_id)::uuid IS NULL
        OR (
            sqlc.narg(after_published_at)::timestamptz IS NULL
            AND (s.published_at IS NOT NULL OR s.id < sqlc.narg(after_id))
        )
        OR (s.published_at, s.id) < (sqlc.narg(after_published_at), sqlc.narg(after_id))
    )
ORDER BY s.published_at DESC, s.id DESC
LIMIT @max_rows;

-- name: ListStoriesByTitle :many
-- Stories by title, A to Z.
-- Filters and keyset: see the "HTTP API v1" note in queries/stories.sql.
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.tags,
    s.reading_minutes,
    s.status,
    s.published_at,
    s.updated_at
FROM stories AS s
WHERE
    (s.status = 'published' OR @include_drafts::boolean)
    AND (
        sqlc.narg(query)::text IS NULL
        OR s.search_vector @@ websearch_to_tsquery('english', sqlc.narg(query))
    )
    AND (cardinality(@tags::text[]) = 0 OR s.tags @> @tags::text[])
    AND (
        sqlc.narg(ghost_slug)::text IS NULL
        OR EXISTS (
            SELECT
            FROM story_ghost_entities AS sge
            INNER JOIN ghost_entities AS g ON sge.ghost_entity_id = g.id
            WHERE
                sge.story_id = s.id
                AND g.slug = sqlc.narg(ghost_slug)
                AND (g.status = 'published' OR @include_drafts)
        )
    )
    AND (
        sqlc.narg(after_id)::uuid IS NULL
        OR (s.title, s.id) > (sqlc.narg(after_title)::text, sqlc.narg(after_id))
    )
ORDER BY s.title ASC, s.id ASC
LIMIT @max_rows;

-- name: ListStoriesByRelevance :many
-- Full-text matches for query: stories whose title matches first, then by ts_rank_cd.
-- The keyset is (title_match, rank, id), all descending.
-- Filters and keyset: see the "HTTP API v1" note in queries/stories.sql.
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.tags,
    s.reading_minutes,
    s.status,
    s.published_at,
    s.updated_at,
    -- weight A of search_vector is the title: does the title alone match?
    ts_filter(s.search_vector, '{a}') @@ websearch_to_tsquery('english', @query) AS "title_match!",
    ts_rank_cd(s.search_vector, websearch_to_tsquery('english', @query)) AS "rank!"
FROM stories AS s
WHERE
    (s.status = 'published' OR @include_drafts::boolean)
    AND s.search_vector @@ websearch_to_tsquery('english', @query)
    AND (cardinality(@tags::text[]) = 0 OR s.tags @> @tags::text[])
    AND (
        sqlc.narg(ghost_slug)::text IS NULL
        OR EXISTS (
            SELECT
            FROM story_ghost_entities AS sge
            INNER JOIN ghost_entities AS g ON sge.ghost_entity_id = g.id
            WHERE
                sge.story_id = s.id
                AND g.slug = sqlc.narg(ghost_slug)
                AND (g.status = 'published' OR @include_drafts)
        )
    )
    AND (
        sqlc.narg(after_id)::uuid IS NULL
        OR (
            ts_filter(s.search_vector, '{a}') @@ websearch_to_tsquery('english', @query),
            ts_rank_cd(s.search_vector, websearch_to_tsquery('english', @query)),
            s.id
        ) < (
            sqlc.narg(after_title_match)::boolean,
            sqlc.narg(after_rank)::real,
            sqlc.narg(after_id)
        )
    )
ORDER BY "title_match!" DESC, "rank!" DESC, s.id DESC
LIMIT @max_rows;

-- name: GetStoryDetail :one
-- One story by slug, body included, with its counters (zeros before it has a statistics
-- row) and its media (by position) as a JSON array; drafts only with include_drafts.
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.body,
    s.tags,
    s.reading_minutes,
    s.status,
    s.published_at,
    s.author_id,
    s.created_at,
    s.updated_at,
    coalesce(cs.view_count, 0) AS view_count,
    coalesce(cs.like_count, 0) AS like_count,
    coalesce(cs.share_count, 0) AS share_count,
    coalesce(cs.read_count, 0) AS read_count,
    coalesce(cs.bookmark_count, 0) AS bookmark_count,
    coalesce(cs.comment_count, 0) AS comment_count,
    coalesce(gallery.items, '[]'::json) AS "media!"
FROM stories AS s
LEFT JOIN content_statistics AS cs ON s.id = cs.story_id
CROSS JOIN
    LATERAL (  -- noqa: ST05
        SELECT json_agg(md ORDER BY md.position ASC, md.id ASC) AS items
        FROM (
            SELECT
                m.id,
                m.mime_type,
                m.width,
                m.height,
                m.alt_text,
                m.position,
                coalesce(m.url, '/v1/media/' || m.id) AS url
            FROM media AS m
            WHERE m.story_id = s.id
        ) AS md
    ) AS gallery
WHERE s.slug = @slug AND (s.status = 'published' OR @include_drafts::boolean);

-- name: ListStoryGhosts :many
-- The entities linked to a story, in display order; draft entities only with include_drafts.
SELECT
    g.id,
    g.slug,
    g.name,
    g.entity_type,
    g.danger_level,
    g.status,
    sge.role,
    sge.position
FROM story_ghost_entities AS sge
INNER JOIN ghost_entities AS g ON sge.ghost_entity_id = g.id
WHERE sge.story_id = @story_id AND (g.status = 'published' OR @include_drafts::boolean)
ORDER BY sge.position ASC, g.name ASC, g.id ASC;

-- name: ListGhostStories :many
-- Stories linked to an entity with the entity's role in each, newest first; drafts (no
-- published_at) ahead of them and only with include_drafts. Keyset as in ListStoriesRecent.
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.tags,
    s.reading_minutes,
    s.status,
    s.published_at,
    s.updated_at,
    sge.role
FROM story_ghost_entities AS sge
INNER JOIN stories AS s ON sge.story_id = s.id
WHERE
    sge.ghost_entity_id = @ghost_id
    AND (s.status = 'published' OR @include_drafts::boolean)
    AND (
        sqlc.narg(after_id)::uuid IS NULL
        OR (
            sqlc.narg(after_published_at)::timestamptz IS NULL
            AND (s.published_at IS NOT NULL OR s.id < sqlc.narg(after_id))
        )
        OR (s.published_at, s.id) < (sqlc.narg(after_published_at), sqlc.narg(after_id))
    )
ORDER BY s.published_at DESC, s.id DESC
LIMIT @max_rows;

-- noqa: enable=RF02

-- name: GetStoryForEdit :one
-- A story's editable fields by slug, any status, locked until the transaction ends.
SELECT
    s.id,
    s.slug,
    s.title,
    s.summary,
    s.body,
    s.tags,
    s.reading_minutes,
    s.status
FROM stories AS s
WHERE s.slug = @slug
FOR UPDATE;

-- name: InsertStory :one
-- Create a story from an editor's request; published_at is the database's clock when it is
-- created published.
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
    CASE WHEN @status = 'published' THEN now() END,
    @author_id
)
RETURNING id, slug;

-- name: EditStory :one
-- Replace a story's editable fields, slug included; published_at is stamped when the story
-- becomes published, kept while it stays published and cleared when it goes back to draft.
UPDATE stories AS s
SET
    slug = @slug,
    title = @title,
    summary = @summary,
    body = @body,
    tags = @tags,
    reading_minutes = @reading_minutes,
    status = @status,
    published_at = CASE WHEN @status = 'published' THEN coalesce(s.published_at, now()) END
WHERE s.id = @id
RETURNING s.id, s.slug;

-- name: SetStoryGhosts :exec
-- Make a story's linked entities exactly these, in this order (position = index in the arrays);
-- roles[i] is the role of ghost_ids[i]. Links not listed are removed.
WITH kept AS (
    INSERT INTO story_ghost_entities (story_id, ghost_entity_id, role, position)
    SELECT
        @story_id::uuid,
        link.ghost_entity_id,
        link.role,
        (link.ordinality - 1)::smallint
    FROM
        unnest(@ghost_ids::uuid[], @roles::text[])
        WITH ORDINALITY AS link (ghost_entity_id, role, ordinality)
    ON CONFLICT (story_id, ghost_entity_id)
    DO UPDATE SET role = excluded.role, position = excluded.position
    RETURNING ghost_entity_id
)

DELETE FROM story_ghost_entities AS sge
WHERE
    sge.story_id = @story_id::uuid
    AND sge.ghost_entity_id NOT IN (SELECT kept.ghost_entity_id FROM kept);

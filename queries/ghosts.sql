-- Ghost entities: the encyclopedia's articles.

-- name: DeleteGhostBySlug :execrows
-- Delete an entity by slug; returns how many rows went (0 or 1).
DELETE FROM ghost_entities
WHERE slug = @slug;

-- ---- HTTP API v1 -------------------------------------------------------------------------------
-- List filters shared by ListGhostsRecent, ListGhostsByName and ListGhostsByRelevance: drafts only
-- with include_drafts (editors' view), query in web search syntax, tags all present ([] for any),
-- entity type and danger range (NULL for any). after_* is the keyset position of the last row of
-- the previous page (after_id NULL for the first page).

-- name: ListGhostsRecent :many
-- Entities newest first; drafts (no published_at) come ahead of them in the editors' view.
-- Filters and keyset: see the "HTTP API v1" note in queries/ghosts.sql.
SELECT
    g.id,
    g.slug,
    g.name,
    g.entity_type,
    g.danger_level,
    g.tags,
    g.status,
    g.published_at,
    g.updated_at
FROM ghost_entities AS g
WHERE
    (g.status = 'published' OR @include_drafts::boolean)
    AND (
        sqlc.narg(query)::text IS NULL
        OR g.search_vector @@ websearch_to_tsquery('english', sqlc.narg(query))
    )
    AND (cardinality(@tags::text[]) = 0 OR g.tags @> @tags::text[])
    AND (sqlc.narg(entity_type)::text IS NULL OR g.entity_type = sqlc.narg(entity_type))
    AND (sqlc.narg(min_danger)::smallint IS NULL OR g.danger_level >= sqlc.narg(min_danger))
    AND (sqlc.narg(max_danger)::smallint IS NULL OR g.danger_level <= sqlc.narg(max_danger))
    -- DESC puts NULLs (drafts) first: after a draft come the remaining drafts, then every
    -- published row; after a published row only older published rows.
    AND (
        sqlc.narg(after_id)::uuid IS NULL
        OR (
            sqlc.narg(after_published_at)::timestamptz IS NULL
            AND (g.published_at IS NOT NULL OR g.id < sqlc.narg(after_id))
        )
        OR (g.published_at, g.id) < (sqlc.narg(after_published_at), sqlc.narg(after_id))
    )
ORDER BY g.published_at DESC, g.id DESC
LIMIT @max_rows;

-- name: ListGhostsByName :many
-- Entities by name, A to Z.
-- Filters and keyset: see the "HTTP API v1" note in queries/ghosts.sql.
SELECT
    g.id,
    g.slug,
    g.name,
    g.entity_type,
    g.danger_level,
    g.tags,
    g.status,
    g.published_at,
    g.updated_at
FROM ghost_entities AS g
WHERE
    (g.status = 'published' OR @include_drafts::boolean)
    AND (
        sqlc.narg(query)::text IS NULL
        OR g.search_vector @@ websearch_to_tsquery('english', sqlc.narg(query))
    )
    AND (cardinality(@tags::text[]) = 0 OR g.tags @> @tags::text[])
    AND (sqlc.narg(entity_type)::text IS NULL OR g.entity_type = sqlc.narg(entity_type))
    AND (sqlc.narg(min_danger)::smallint IS NULL OR g.danger_level >= sqlc.narg(min_danger))
    AND (sqlc.narg(max_danger)::smallint IS NULL OR g.danger_level <= sqlc.narg(max_danger))
    AND (
        sqlc.narg(after_id)::uuid IS NULL
        OR (g.name, g.id) > (sqlc.narg(after_name)::text, sqlc.narg(after_id))
    )
ORDER BY g.name ASC, g.id ASC
LIMIT @max_rows;

-- name: ListGhostsByRelevance :many
-- Full-text matches for query: entities whose name matches first, then by ts_rank_cd.
-- The keyset is (name_match, rank, id), all descending.
-- Filters and keyset: see the "HTTP API v1" note in queries/ghosts.sql.
-- Bounded like SearchContent (queries/search.sql): only the first candidate_cap matches, in
-- storage order through the GIN index, are ranked; with no more matches than that the ranking
-- is over all of them.
WITH input AS (
    SELECT websearch_to_tsquery('english', @query) AS q
),

candidates AS (
    SELECT
        g.id,
        g.slug,
        g.name,
        g.entity_type,
        g.danger_level,
        g.tags,
        g.status,
        g.published_at,
        g.updated_at,
        g.search_vector
    FROM ghost_entities AS g
    WHERE
        (g.status = 'published' OR @include_drafts::boolean)
        -- the planner cannot see how broad the query is: matches come through the GIN index
        AND g.search_vector @@ (SELECT i.q FROM input AS i)
        AND (cardinality(@tags::text[]) = 0 OR g.tags @> @tags::text[])
        AND (sqlc.narg(entity_type)::text IS NULL OR g.entity_type = sqlc.narg(entity_type))
        AND (sqlc.narg(min_danger)::smallint IS NULL OR g.danger_level >= sqlc.narg(min_danger))
        AND (sqlc.narg(max_danger)::smallint IS NULL OR g.danger_level <= sqlc.narg(max_danger))
    -- No ORDER BY: the first matches the scan meets, so it stops at the cap.
    LIMIT @candidate_cap::integer  -- noqa: AM09
),

ranked AS (
    SELECT
        c.id,
        c.slug,
        c.name,
        c.entity_type,
        c.danger_level,
        c.tags,
        c.status,
        c.published_at,
        c.updated_at,
        -- weight A of search_vector is the name: does the name alone match?
        ts_filter(c.search_vector, '{a}') @@ i.q AS name_match,
        ts_rank_cd(c.search_vector, i.q) AS rank
    FROM candidates AS c
    CROSS JOIN input AS i
)

SELECT
    r.id AS "id!",
    r.slug AS "slug!",
    r.name AS "name!",
    r.entity_type AS "entity_type!",
    r.danger_level AS "danger_level!",
    r.tags AS "tags!",
    r.status AS "status!",
    r.published_at,
    r.updated_at AS "updated_at!",
    r.name_match AS "name_match!",
    r.rank AS "rank!"
FROM ranked AS r
WHERE
    sqlc.narg(after_id)::uuid IS NULL
    OR (r.name_match, r.rank, r.id) < (
        sqlc.narg(after_name_match)::boolean,
        sqlc.narg(after_rank)::real,
        sqlc.narg(after_id)
    )
ORDER BY r.name_match DESC, r.rank DESC, r.id DESC
LIMIT @max_rows;

-- name: SuggestGhosts :many
-- Published entities for autocomplete: names starting with prefix (any case) first, then names
-- trigram-similar to it (pg_trgm's `%`), so a typo still finds the entity.
WITH input AS (
    SELECT
        @prefix::text AS term,
        -- LIKE wildcards typed by the user are literal characters
        replace(replace(replace(@prefix, '\', '\\'), '%', '\%'), '_', '\_') || '%' AS pattern
)

SELECT
    g.slug,
    g.name,
    g.entity_type,
    g.name ILIKE i.pattern AS "prefix_match!",
    similarity(g.name, i.term) AS "similarity!"
FROM ghost_entities AS g
CROSS JOIN input AS i
WHERE
    g.status = 'published'
    AND (g.name ILIKE i.pattern OR g.name % i.term)
ORDER BY "prefix_match!" DESC, "similarity!" DESC, g.name ASC, g.id ASC
LIMIT @max_rows;

-- The linter's placeholder templater turns parameters into bare names, which RF02 would want
-- qualified in the joins below.
-- noqa: disable=RF02

-- name: GetGhostDetail :one
-- One entity by slug with its counters (zeros before it has a statistics row); drafts only
-- with include_drafts.
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
    g.status,
    g.published_at,
    g.author_id,
    g.created_at,
    g.updated_at,
    coalesce(cs.view_count, 0) AS view_count,
    coalesce(cs.like_count, 0) AS like_count,
    coalesce(cs.share_count, 0) AS share_count,
    coalesce(cs.read_count, 0) AS read_count,
    coalesce(cs.bookmark_count, 0) AS bookmark_count,
    coalesce(cs.comment_count, 0) AS comment_count
FROM ghost_entities AS g
LEFT JOIN content_statistics AS cs ON g.id = cs.ghost_entity_id
WHERE g.slug = @slug AND (g.status = 'published' OR @include_drafts::boolean);

-- name: GetGhostPage :one
-- An entity page in one round trip: GetGhostDetail's row, and the first max_rows rows of
-- ListRelatedGhosts and ListGhostStories (same columns, order and draft rule) and every
-- media item (by position) as JSON arrays.
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
    g.status,
    g.published_at,
    g.author_id,
    g.created_at,
    g.updated_at,
    coalesce(cs.view_count, 0) AS view_count,
    coalesce(cs.like_count, 0) AS like_count,
    coalesce(cs.share_count, 0) AS share_count,
    coalesce(cs.read_count, 0) AS read_count,
    coalesce(cs.bookmark_count, 0) AS bookmark_count,
    coalesce(cs.comment_count, 0) AS comment_count,
    coalesce(related.items, '[]'::json) AS "related!",
    coalesce(linked.items, '[]'::json) AS "stories!",
    coalesce(gallery.items, '[]'::json) AS "media!"
FROM ghost_entities AS g
LEFT JOIN content_statistics AS cs ON g.id = cs.ghost_entity_id
-- The first rows of each list need ORDER BY and LIMIT per entity: a LATERAL subquery.
CROSS JOIN
    LATERAL (  -- noqa: ST05
        SELECT json_agg(r ORDER BY r.name ASC, r.id ASC) AS items
        FROM (
            SELECT
                o.id,
                o.slug,
                o.name,
                o.entity_type,
                o.danger_level,
                o.status,
                rel.relationship_type,
                rel.description,
                CASE WHEN rel.source_id = g.id THEN 'outgoing' ELSE 'incoming' END AS direction
            FROM ghost_entity_relationships AS rel
            INNER JOIN ghost_entities AS o
                ON CASE WHEN rel.source_id = g.id THEN rel.target_id ELSE rel.source_id END = o.id
            WHERE
                (rel.source_id = g.id OR rel.target_id = g.id)
                AND (o.status = 'published' OR @include_drafts::boolean)
            ORDER BY o.name ASC, o.id ASC
            LIMIT @max_rows
        ) AS r
    ) AS related
CROSS JOIN
    LATERAL (  -- noqa: ST05
        SELECT json_agg(t ORDER BY t.published_at DESC, t.id DESC) AS items
        FROM (
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
                sge.ghost_entity_id = g.id
                AND (s.status = 'published' OR @include_drafts::boolean)
            ORDER BY s.published_at DESC, s.id DESC
            LIMIT @max_rows
        ) AS t
    ) AS linked
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
            WHERE m.ghost_entity_id = g.id
        ) AS md
    ) AS gallery
WHERE g.slug = @slug AND (g.status = 'published' OR @include_drafts::boolean);

-- name: ListRelatedGhosts :many
-- Entities related to ghost_id in either direction, by name; drafts only with include_drafts.
-- direction says whether ghost_id is the relationship's source (outgoing) or target (incoming).
SELECT
    o.id,
    o.slug,
    o.name,
    o.entity_type,
    o.danger_level,
    o.status,
    r.relationship_type,
    r.description,
    CASE WHEN r.source_id = @ghost_id THEN 'outgoing' ELSE 'incoming' END AS direction
FROM ghost_entity_relationships AS r
INNER JOIN ghost_entities AS o
    ON CASE WHEN r.source_id = @ghost_id THEN r.target_id ELSE r.source_id END = o.id
WHERE
    (r.source_id = @ghost_id OR r.target_id = @ghost_id)
    AND (o.status = 'published' OR @include_drafts::boolean)
    AND (
        sqlc.narg(after_id)::uuid IS NULL
        OR (o.name, o.id) > (sqlc.narg(after_name)::text, sqlc.narg(after_id))
    )
ORDER BY o.name ASC, o.id ASC
LIMIT @max_rows;

-- noqa: enable=RF02

-- name: ListGhostIdsBySlugs :many
-- Ids of the entities (any status) with these slugs; unknown slugs are simply absent.
SELECT
    g.id,
    g.slug
FROM ghost_entities AS g
WHERE g.slug = any(@slugs::text[]);

-- name: GetGhostForEdit :one
-- An entity's editable fields by slug, any status, locked until the transaction ends.
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
    g.status
FROM ghost_entities AS g
WHERE g.slug = @slug
FOR UPDATE;

-- name: InsertGhost :one
-- Create an entity from an editor's request; published_at is the database's clock when it is
-- created published.
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
    CASE WHEN @status = 'published' THEN now() END,
    @author_id
)
RETURNING id, slug;

-- name: EditGhost :one
-- Replace an entity's editable fields, slug included; published_at is stamped when the entity
-- becomes published, kept while it stays published and cleared when it goes back to draft.
UPDATE ghost_entities AS g
SET
    slug = @slug,
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
    published_at = CASE WHEN @status = 'published' THEN coalesce(g.published_at, now()) END
WHERE g.id = @id
RETURNING g.id, g.slug;

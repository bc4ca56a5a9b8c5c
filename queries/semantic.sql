-- Semantic and hybrid search over the embeddings (ghost_embeddings, story_embeddings), and
-- nearest entities. The query's embedding comes in as real[] (all-MiniLM-L6-v2, unit length)
-- and is compared by cosine distance (`<=>`), served by the HNSW indexes.
-- Vector candidates: the `candidates` nearest of each kind, then filtered (published, tags,
-- type). An HNSW scan yields at most hnsw.ef_search rows (40 by default), so a larger
-- `candidates` gives no more. Rows with no embedding yet are found by their words only.

-- The linter's placeholder templater turns parameters into bare names, which RF02 would want
-- qualified.
-- noqa: disable=RF02

-- name: SearchSemantic :many
-- One page of semantic (use_keywords false) or hybrid (true) search results, best first.
-- Hybrid fuses the full-text ranking (title matches, then ts_rank_cd; its best `candidates` of
-- at most keyword_candidates matches of each kind)
-- and the vector ranking by reciprocal rank fusion: score = sum over both lists of
-- 1 / (60 + position), a row missing from a list adding nothing. Semantic scores
-- 1 / (60 + position) of the vector ranking alone. Keyset (score, kind, id), all descending;
-- after_* is the last row of the previous page. Filters as SearchContent. ghost_matches and
-- story_matches count every ranked candidate (not only this page); headline and snippet are
-- HTML as in SearchContent (with no marks for a candidate whose words do not match).
WITH input AS (
    SELECT websearch_to_tsquery('english', @query) AS q
),

-- The keyword side is bounded as SearchContent is: at most keyword_candidates matches of each
-- kind are read (in storage order: no ORDER BY, so the scan stops there) and ranked, so a broad
-- query costs no more than a narrow one. With fewer matches, every match is ranked.
ghost_keyword_matches AS MATERIALIZED (
    SELECT
        'ghost' AS kind,
        g.id,
        ts_filter(g.search_vector, '{a}') @@ i.q AS title_match,
        ts_rank_cd(g.search_vector, i.q, 1) AS rank
    FROM ghost_entities AS g
    CROSS JOIN input AS i
    WHERE
        @use_keywords::boolean
        AND @kind::text IN ('ghost', 'all')
        AND g.status = 'published'
        AND g.search_vector @@ i.q
        AND (cardinality(@tags::text[]) = 0 OR g.tags @> @tags::text[])
        AND (sqlc.narg(entity_type)::text IS NULL OR g.entity_type = sqlc.narg(entity_type))
    LIMIT @keyword_candidates::integer  -- noqa: AM09
),

story_keyword_matches AS MATERIALIZED (
    SELECT
        'story' AS kind,
        s.id,
        ts_filter(s.search_vector, '{a}') @@ i.q AS title_match,
        ts_rank_cd(s.search_vector, i.q, 1) AS rank
    FROM stories AS s
    CROSS JOIN input AS i
    WHERE
        @use_keywords::boolean
        AND @kind::text IN ('story', 'all')
        AND sqlc.narg(entity_type)::text IS NULL
        AND s.status = 'published'
        AND s.search_vector @@ i.q
        AND (cardinality(@tags::text[]) = 0 OR s.tags @> @tags::text[])
    LIMIT @keyword_candidates::integer  -- noqa: AM09
),

keyword_matches AS (
    SELECT * FROM ghost_keyword_matches
    UNION ALL
    SELECT * FROM story_keyword_matches
),

keyword_ranked AS (
    SELECT
        km.kind,
        km.id,
        km.title_match,
        row_number() OVER (
            ORDER BY km.title_match DESC, km.rank DESC, km.kind DESC, km.id DESC
        ) AS place
    FROM keyword_matches AS km
    ORDER BY place ASC
    LIMIT @candidates
),

-- The ORDER BY operand is the parameter itself (not a CTE column): only then can the HNSW
-- index serve it.
ghost_nearest AS (
    SELECT
        e.ghost_entity_id AS id,
        e.embedding <=> @embedding::real[]::vector(384) AS distance
    FROM ghost_embeddings AS e
    WHERE @kind::text IN ('ghost', 'all')
    ORDER BY e.embedding <=> @embedding::real[]::vector(384)
    LIMIT @candidates
),

story_nearest AS (
    SELECT
        e.story_id AS id,
        e.embedding <=> @embedding::real[]::vector(384) AS distance
    FROM story_embeddings AS e
    WHERE @kind::text IN ('story', 'all') AND sqlc.narg(entity_type)::text IS NULL
    ORDER BY e.embedding <=> @embedding::real[]::vector(384)
    LIMIT @candidates
),

vector_matches AS (
    SELECT
        'ghost' AS kind,
        gn.id,
        gn.distance
    FROM ghost_nearest AS gn
    INNER JOIN ghost_entities AS g ON gn.id = g.id
    WHERE
        g.status = 'published'
        AND (cardinality(@tags::text[]) = 0 OR g.tags @> @tags::text[])
        AND (sqlc.narg(entity_type)::text IS NULL OR g.entity_type = sqlc.narg(entity_type))
    UNION ALL
    SELECT
        'story' AS kind,
        sn.id,
        sn.distance
    FROM story_nearest AS sn
    INNER JOIN stories AS s ON sn.id = s.id
    WHERE
        s.status = 'published'
        AND (cardinality(@tags::text[]) = 0 OR s.tags @> @tags::text[])
),

vector_ranked AS (
    SELECT
        vm.kind,
        vm.id,
        vm.distance,
        row_number() OVER (ORDER BY vm.distance ASC, vm.kind DESC, vm.id DESC) AS place
    FROM vector_matches AS vm
),

fused AS (
    SELECT
        coalesce(k.kind, v.kind) AS kind,
        coalesce(k.id, v.id) AS id,
        coalesce(k.title_match, FALSE) AS title_match,
        1 - v.distance AS similarity,
        coalesce(1.0::float8 / (60 + k.place), 0)
        + coalesce(1.0::float8 / (60 + v.place), 0) AS score
    FROM keyword_ranked AS k
    FULL JOIN vector_ranked AS v ON k.kind = v.kind AND k.id = v.id
),

page AS (
    SELECT f.*
    FROM fused AS f
    WHERE
        sqlc.narg(after_id)::uuid IS NULL
        OR (f.score, f.kind, f.id) < (
            sqlc.narg(after_score)::float8,
            sqlc.narg(after_kind)::text,
            sqlc.narg(after_id)
        )
    ORDER BY f.score DESC, f.kind DESC, f.id DESC
    LIMIT @max_rows
),

details AS (
    SELECT
        p.*,
        g.slug,
        g.name AS title,
        g.entity_type,
        g.tags,
        g.description AS excerpt
    FROM page AS p
    INNER JOIN ghost_entities AS g ON p.id = g.id
    WHERE p.kind = 'ghost'
    UNION ALL
    SELECT
        p.*,
        s.slug,
        s.title,
        NULL::text AS entity_type,
        s.tags,
        s.summary || E'\n\n' || s.body AS excerpt
    FROM page AS p
    INNER JOIN stories AS s ON p.id = s.id
    WHERE p.kind = 'story'
)

SELECT
    d.kind AS "kind!",
    d.id AS "id!",
    d.slug AS "slug!",
    d.title AS "title!",
    d.entity_type AS "entity_type?",
    d.tags AS "tags!",
    d.title_match AS "title_match!",
    d.score AS "score!",
    d.similarity AS "similarity?",
    ts_headline(
        'english',
        replace(
            replace(replace(replace(d.title, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
            '"', '&quot;'
        ),
        i.q,
        'StartSel=<mark>, StopSel=</mark>, HighlightAll=true'
    ) AS "headline!",
    ts_headline(
        'english',
        replace(
            replace(replace(replace(d.excerpt, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
            '"', '&quot;'
        ),
        i.q,
        'StartSel=<mark>, StopSel=</mark>, MaxFragments=2, MaxWords=25, MinWords=8, '
        || 'FragmentDelimiter=" … "'
    ) AS "snippet!",
    (
        SELECT count(*) FROM fused AS f
        WHERE f.kind = 'ghost'
    ) AS "ghost_matches!",
    (
        SELECT count(*) FROM fused AS f
        WHERE f.kind = 'story'
    ) AS "story_matches!"
FROM details AS d
CROSS JOIN input AS i
ORDER BY d.score DESC, d.kind DESC, d.id DESC;

-- name: ListSimilarGhosts :many
-- The published entities nearest to one entity by embedding (itself excluded), nearest
-- first; none when the entity has no embedding yet. similarity is 1 - cosine distance.
WITH target AS (
    SELECT e.embedding
    FROM ghost_embeddings AS e
    WHERE e.ghost_entity_id = @ghost_id
),

nearest AS (
    SELECT
        e.ghost_entity_id AS id,
        e.embedding <=> t.embedding AS distance
    FROM target AS t
    CROSS JOIN ghost_embeddings AS e
    WHERE e.ghost_entity_id <> @ghost_id
    ORDER BY e.embedding <=> t.embedding
    LIMIT @candidates
)

SELECT
    g.slug,
    g.name,
    g.entity_type,
    g.danger_level,
    g.tags,
    (1 - n.distance)::float8 AS "similarity!"
FROM nearest AS n
INNER JOIN ghost_entities AS g ON n.id = g.id
WHERE g.status = 'published'
ORDER BY n.distance ASC, g.slug ASC
LIMIT @max_rows;

-- name: HasEmbeddings :one
-- Whether any entity or story has an embedding (search defaults to hybrid once one does).
SELECT
    EXISTS (SELECT 1 FROM ghost_embeddings)
    OR EXISTS (SELECT 1 FROM story_embeddings) AS "embedded!";

-- name: ListClosestPassages :many
-- The passages of an entity's lore closest to a message's embedding, closest first: those of
-- its description and of its published stories. similarity is 1 - cosine distance. None
-- until the entity or its stories have been embedded (the caller falls back to words).
WITH owned AS (
    SELECT
        'lore' AS source, -- noqa: RF04
        NULL::text AS story_slug,
        NULL::text AS story_title,
        p.body,
        p.position,
        p.embedding
    FROM passages AS p
    WHERE p.ghost_entity_id = @ghost_id
    UNION ALL
    SELECT
        'story' AS source, -- noqa: RF04
        s.slug AS story_slug,
        s.title AS story_title,
        p.body,
        p.position,
        p.embedding
    FROM story_ghost_entities AS sge
    INNER JOIN stories AS s ON sge.story_id = s.id
    INNER JOIN passages AS p ON s.id = p.story_id
    WHERE sge.ghost_entity_id = @ghost_id AND s.status = 'published'
)

SELECT
    o.source AS "source!",
    o.story_slug AS "story_slug?",
    o.story_title AS "story_title?",
    o.body AS "passage!",
    (1 - (o.embedding <=> @embedding::real[]::vector(384)))::float8 AS "similarity!"
FROM owned AS o
ORDER BY
    o.embedding <=> @embedding::real[]::vector(384) ASC,
    o.source ASC,
    o.story_slug ASC,
    o.position ASC
LIMIT @max_rows;

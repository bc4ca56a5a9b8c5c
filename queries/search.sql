-- Cross-content search: published entities and stories in one ranked list.
--
-- Shared by SearchContent and SearchFacets (the `hits` CTE is the same in both, so the facets
-- count exactly the rows the pages list): query is web search syntax; kind is 'ghost', 'story'
-- or 'all'; tags must all be present ([] for any); entity_type (NULL for any) filters
-- entities, and stories have none, so a type leaves only entities. title_match says whether
-- the name (entities) or title (stories) alone matches: both are weight A of search_vector.
-- Ranks use ts_rank_cd normalization 1 (divided by 1 + log(length)) so that long story bodies
-- do not outrank entities merely by repeating a word.
-- `cardinality(@tags) = 0 OR ...` rather than `tags @> '{}'`: a generic plan (asyncpg's prepared
-- statements get one after five runs) would otherwise AND in a tags index scan that matches
-- every row.

-- The linter's placeholder templater turns parameters into bare names, which RF02 would want
-- qualified.
-- noqa: disable=RF02

-- name: SearchContent :many
-- One page of search results, best first: title matches, then rank; keyset (title_match, rank,
-- kind, id), all descending; after_* is the last row of the previous page (NULL: first page).
-- headline (the name or title) and snippet (up to two fragments of the description, or of a
-- story's summary and body) are HTML: the source text is escaped (&, <, >, ") before
-- ts_headline wraps matches in <mark></mark>, so the only tags in them are those marks.
WITH input AS (
    SELECT websearch_to_tsquery('english', @query) AS q
),

hits AS (
    SELECT
        'ghost' AS kind,
        g.id,
        g.slug,
        g.name AS title,
        g.entity_type,
        g.tags,
        g.description AS excerpt,
        ts_filter(g.search_vector, '{a}') @@ i.q AS title_match,
        ts_rank_cd(g.search_vector, i.q, 1) AS rank
    FROM ghost_entities AS g
    CROSS JOIN input AS i
    WHERE
        @kind::text IN ('ghost', 'all')
        AND g.status = 'published'
        AND g.search_vector @@ i.q
        AND (cardinality(@tags::text[]) = 0 OR g.tags @> @tags::text[])
        AND (sqlc.narg(entity_type)::text IS NULL OR g.entity_type = sqlc.narg(entity_type))
    UNION ALL
    SELECT
        'story' AS kind,
        s.id,
        s.slug,
        s.title,
        NULL::text AS entity_type,
        s.tags,
        s.summary || E'\n\n' || s.body AS excerpt,
        ts_filter(s.search_vector, '{a}') @@ i.q AS title_match,
        ts_rank_cd(s.search_vector, i.q, 1) AS rank
    FROM stories AS s
    CROSS JOIN input AS i
    WHERE
        @kind::text IN ('story', 'all')
        AND sqlc.narg(entity_type)::text IS NULL
        AND s.status = 'published'
        AND s.search_vector @@ i.q
        AND (cardinality(@tags::text[]) = 0 OR s.tags @> @tags::text[])
),

page AS (
    SELECT h.*
    FROM hits AS h
    WHERE
        sqlc.narg(after_id)::uuid IS NULL
        OR (h.title_match, h.rank, h.kind, h.id) < (
            sqlc.narg(after_title_match)::boolean,
            sqlc.narg(after_rank)::real,
            sqlc.narg(after_kind)::text,
            sqlc.narg(after_id)
        )
    ORDER BY h.title_match DESC, h.rank DESC, h.kind DESC, h.id DESC
    LIMIT @max_rows
)

-- ts_headline runs on the page's rows only: it re-parses the whole text, the costly part.
SELECT
    p.kind AS "kind!",
    p.id AS "id!",
    p.slug AS "slug!",
    p.title AS "title!",
    p.entity_type AS "entity_type?",
    p.tags AS "tags!",
    p.title_match AS "title_match!",
    p.rank AS "rank!",
    ts_headline(
        'english',
        replace(
            replace(replace(replace(p.title, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
            '"', '&quot;'
        ),
        i.q,
        'StartSel=<mark>, StopSel=</mark>, HighlightAll=true'
    ) AS "headline!",
    ts_headline(
        'english',
        replace(
            replace(replace(replace(p.excerpt, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
            '"', '&quot;'
        ),
        i.q,
        'StartSel=<mark>, StopSel=</mark>, MaxFragments=2, MaxWords=25, MinWords=8, '
        || 'FragmentDelimiter=" … "'
    ) AS "snippet!"
FROM page AS p
CROSS JOIN input AS i
ORDER BY p.title_match DESC, p.rank DESC, p.kind DESC, p.id DESC;

-- name: SearchFacets :many
-- Counts over the whole result set of SearchContent with the same filters (not one page):
-- facet 'total' (bucket NULL), 'kind' per kind, 'type' per entity type, and 'tag' for the
-- max_tags most frequent tags (most frequent first, then A to Z).
WITH input AS (
    SELECT websearch_to_tsquery('english', @query) AS q
),

hits AS (
    SELECT
        'ghost' AS kind,
        g.entity_type,
        g.tags
    FROM ghost_entities AS g
    CROSS JOIN input AS i
    WHERE
        @kind::text IN ('ghost', 'all')
        AND g.status = 'published'
        AND g.search_vector @@ i.q
        AND (cardinality(@tags::text[]) = 0 OR g.tags @> @tags::text[])
        AND (sqlc.narg(entity_type)::text IS NULL OR g.entity_type = sqlc.narg(entity_type))
    UNION ALL
    SELECT
        'story' AS kind,
        NULL::text AS entity_type,
        s.tags
    FROM stories AS s
    CROSS JOIN input AS i
    WHERE
        @kind::text IN ('story', 'all')
        AND sqlc.narg(entity_type)::text IS NULL
        AND s.status = 'published'
        AND s.search_vector @@ i.q
        AND (cardinality(@tags::text[]) = 0 OR s.tags @> @tags::text[])
),

tag_counts AS (
    SELECT
        t.tag,
        count(*) AS matches
    FROM hits AS h
    CROSS JOIN LATERAL unnest(h.tags) AS t (tag)
    GROUP BY t.tag
    ORDER BY matches DESC, t.tag ASC
    LIMIT @max_tags
)

SELECT
    'total' AS "facet!",
    NULL::text AS "bucket?",
    count(*) AS "matches!"
FROM hits
UNION ALL
SELECT
    'kind' AS facet,
    h.kind AS bucket,
    count(*) AS matches
FROM hits AS h
GROUP BY h.kind
UNION ALL
SELECT
    'type' AS facet,
    h.entity_type AS bucket,
    count(*) AS matches
FROM hits AS h
WHERE h.entity_type IS NOT NULL
GROUP BY h.entity_type
UNION ALL
SELECT
    'tag' AS facet,
    tc.tag AS bucket,
    tc.matches
FROM tag_counts AS tc;

-- name: SuggestSpellings :many
-- Published names and titles spelled like query (pg_trgm), for "did you mean" when full-text
-- search finds nothing: whole-string similarity (`%`) or a similar word run inside a longer
-- title (`%>`), both served by the trigram indexes; closest first.
WITH input AS (
    SELECT @query::text AS term
),

candidates AS (
    SELECT
        'ghost' AS kind,
        g.id,
        g.slug,
        g.name AS title,
        greatest(similarity(g.name, i.term), word_similarity(i.term, g.name)) AS score
    FROM ghost_entities AS g
    CROSS JOIN input AS i
    WHERE
        @kind::text IN ('ghost', 'all')
        AND g.status = 'published'
        AND (g.name % i.term OR g.name %> i.term)
    UNION ALL
    SELECT
        'story' AS kind,
        s.id,
        s.slug,
        s.title,
        greatest(similarity(s.title, i.term), word_similarity(i.term, s.title)) AS score
    FROM stories AS s
    CROSS JOIN input AS i
    WHERE
        @kind::text IN ('story', 'all')
        AND s.status = 'published'
        AND (s.title % i.term OR s.title %> i.term)
)

SELECT
    c.kind AS "kind!",
    c.slug AS "slug!",
    c.title AS "title!",
    c.score AS "similarity!"
FROM candidates AS c
ORDER BY c.score DESC, c.title ASC, c.kind ASC, c.id ASC
LIMIT @max_rows;

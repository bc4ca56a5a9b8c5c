-- Cross-content search: published entities and stories in one ranked list.
--
-- Shared by SearchContent and SearchContentExactReference: query is web search syntax; kind is
-- 'ghost', 'story' or 'all'; tags must all be present ([] for any); entity_type (NULL for any)
-- filters entities, and stories have none, so a type leaves only entities. title_match says
-- whether the name (entities) or title (stories) alone matches: both are weight A of
-- search_vector.
-- Ranks use ts_rank_cd normalization 1 (divided by 1 + log(length)) so that long story bodies
-- do not outrank entities merely by repeating a word.
-- `cardinality(@tags) = 0 OR ...` rather than `tags @> '{}'`: a generic plan (asyncpg's prepared
-- statements get one after five runs) would otherwise AND in a tags index scan that matches
-- every row.

-- The linter's placeholder templater turns parameters into bare names, which RF02 would want
-- qualified.
-- noqa: disable=RF02

-- name: SearchContent :one
-- One page of search results with the facets and the total, in one round trip and at a cost
-- bounded by two caps rather than by the number of matches.
-- Counting: at most count_cap + 1 matches of each kind are read (in storage order, by a scan
-- that stops there); ghost_matches / story_matches are those counts, so a count above
-- count_cap means "at least", and the facets (in `facets`: {facet, bucket, matches}, facet
-- 'kind', 'type', or 'tag' for the max_tags most frequent tags) count the rows read.
-- Ranking: the first candidate_cap of those matches of each kind are ranked (title matches
-- first, then ts_rank_cd normalization 1, keyset (title_match, rank, kind, id) all descending;
-- after_* is the last row of the previous page, NULL on the first). With no more matches than
-- candidate_cap, that is every match and the order is SearchContentExactReference's.
-- items: up to max_rows rows as JSON, with headline (the name or title) and snippet (up to two
-- fragments of the description, or of a story's summary and body) as HTML: the source text is
-- escaped (&, <, >, ") before ts_headline wraps matches in <mark></mark>.
WITH input AS (
    SELECT websearch_to_tsquery('english', @query) AS q
),

-- MATERIALIZED: one scan per table feeds the counts, the facets and the candidates, which are
-- ranked as the scan reads them. No ORDER BY: the scan stops at the cap. The tsquery comes
-- from `input`, where the planner cannot see how broad it is: it always gathers the matches
-- through the GIN index (a bitmap: cheap per match) and reads rows in storage order. Were a
-- broad query read by a sequential scan instead, synchronized scans (tables larger than a
-- quarter of shared_buffers) would start it wherever the last one stopped, and the next page
-- would rank other candidates.
ghost_matches AS MATERIALIZED (
    SELECT
        m.id,
        m.n,
        m.entity_type,
        m.tags,
        CASE WHEN m.n <= @candidate_cap::integer THEN ts_filter(m.search_vector, '{a}') @@ m.q END
            AS title_match,
        CASE WHEN m.n <= @candidate_cap::integer THEN ts_rank_cd(m.search_vector, m.q, 1) END
            AS rank
    FROM (
        SELECT
            g.id,
            g.entity_type,
            g.tags,
            g.search_vector,
            i.q,
            row_number() OVER () AS n
        FROM ghost_entities AS g
        CROSS JOIN input AS i
        WHERE
            @kind::text IN ('ghost', 'all')
            AND g.status = 'published'
            AND g.search_vector @@ i.q
            AND (cardinality(@tags::text[]) = 0 OR g.tags @> @tags::text[])
            AND (sqlc.narg(entity_type)::text IS NULL OR g.entity_type = sqlc.narg(entity_type))
        LIMIT @count_cap::integer + 1  -- noqa: AM09
    ) AS m
),

story_matches AS MATERIALIZED (
    SELECT
        m.id,
        m.n,
        m.tags,
        CASE WHEN m.n <= @candidate_cap::integer THEN ts_filter(m.search_vector, '{a}') @@ m.q END
            AS title_match,
        CASE WHEN m.n <= @candidate_cap::integer THEN ts_rank_cd(m.search_vector, m.q, 1) END
            AS rank
    FROM (
        SELECT
            s.id,
            s.tags,
            s.search_vector,
            i.q,
            row_number() OVER () AS n
        FROM stories AS s
        CROSS JOIN input AS i
        WHERE
            @kind::text IN ('story', 'all')
            AND sqlc.narg(entity_type)::text IS NULL
            AND s.status = 'published'
            AND s.search_vector @@ i.q
            AND (cardinality(@tags::text[]) = 0 OR s.tags @> @tags::text[])
        LIMIT @count_cap::integer + 1  -- noqa: AM09
    ) AS m
),

-- The first candidate_cap matches of each kind, in the order they were read.
candidates AS (
    SELECT
        'ghost' AS kind,
        gm.id,
        gm.title_match,
        gm.rank
    FROM ghost_matches AS gm
    WHERE gm.rank IS NOT NULL
    UNION ALL
    SELECT
        'story' AS kind,
        sm.id,
        sm.title_match,
        sm.rank
    FROM story_matches AS sm
    WHERE sm.rank IS NOT NULL
),

page AS (
    SELECT c.*
    FROM candidates AS c
    WHERE
        sqlc.narg(after_id)::uuid IS NULL
        OR (c.title_match, c.rank, c.kind, c.id) < (
            sqlc.narg(after_title_match)::boolean,
            sqlc.narg(after_rank)::real,
            sqlc.narg(after_kind)::text,
            sqlc.narg(after_id)
        )
    ORDER BY c.title_match DESC, c.rank DESC, c.kind DESC, c.id DESC
    LIMIT @max_rows
),

-- The page's own columns, read for its rows only (a story's body is the costly part).
page_rows AS (
    SELECT
        p.kind,
        p.id,
        p.title_match,
        p.rank,
        g.entity_type,
        coalesce(g.slug, s.slug) AS slug,
        coalesce(g.name, s.title) AS title,
        coalesce(g.tags, s.tags) AS tags,
        coalesce(g.description, s.summary || E'\n\n' || s.body) AS excerpt
    FROM page AS p
    LEFT JOIN ghost_entities AS g ON p.kind = 'ghost' AND p.id = g.id
    LEFT JOIN stories AS s ON p.kind = 'story' AND p.id = s.id
),

tag_counts AS (
    SELECT
        t.tag,
        count(*) AS matches
    FROM (
        SELECT unnest(gm.tags) AS tag FROM ghost_matches AS gm
        WHERE gm.n <= @count_cap::integer
        UNION ALL
        SELECT unnest(sm.tags) AS tag FROM story_matches AS sm
        WHERE sm.n <= @count_cap::integer
    ) AS t
    GROUP BY t.tag
    ORDER BY matches DESC, t.tag ASC
    LIMIT @max_tags
),

-- Over the counted matches: the extra row past count_cap only says that more exist.
facets AS (
    SELECT
        'kind' AS facet,
        'ghost' AS bucket,
        count(*) AS matches
    FROM ghost_matches AS gm
    WHERE gm.n <= @count_cap::integer
    HAVING count(*) > 0
    UNION ALL
    SELECT
        'kind' AS facet,
        'story' AS bucket,
        count(*) AS matches
    FROM story_matches AS sm
    WHERE sm.n <= @count_cap::integer
    HAVING count(*) > 0
    UNION ALL
    SELECT
        'type' AS facet,
        gm.entity_type AS bucket,
        count(*) AS matches
    FROM ghost_matches AS gm
    WHERE gm.n <= @count_cap::integer
    GROUP BY gm.entity_type
    UNION ALL
    SELECT
        'tag' AS facet,
        tc.tag AS bucket,
        tc.matches
    FROM tag_counts AS tc
)

-- ts_headline runs on the page's rows only: it re-parses the whole text, the costly part.
SELECT
    (SELECT count(*) FROM ghost_matches) AS "ghost_matches!",
    (SELECT count(*) FROM story_matches) AS "story_matches!",
    coalesce((
        SELECT
            json_agg(
                json_build_object(
                    'kind', pr.kind,
                    'id', pr.id,
                    'slug', pr.slug,
                    'title', pr.title,
                    'entity_type', pr.entity_type,
                    'tags', pr.tags,
                    'title_match', pr.title_match,
                    'rank', pr.rank,
                    'headline', ts_headline(
                        'english',
                        replace(
                            replace(
                                replace(replace(pr.title, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'
                            ),
                            '"', '&quot;'
                        ),
                        i.q,
                        'StartSel=<mark>, StopSel=</mark>, HighlightAll=true'
                    ),
                    'snippet', ts_headline(
                        'english',
                        replace(
                            replace(
                                replace(replace(pr.excerpt, '&', '&amp;'), '<', '&lt;'),
                                '>',
                                '&gt;'
                            ),
                            '"', '&quot;'
                        ),
                        i.q,
                        'StartSel=<mark>, StopSel=</mark>, MaxFragments=2, MaxWords=25, '
                        || 'MinWords=8, FragmentDelimiter=" … "'
                    )
                )
                ORDER BY pr.title_match DESC, pr.rank DESC, pr.kind DESC, pr.id DESC
            )
        FROM page_rows AS pr
        CROSS JOIN input AS i
    ), '[]'::json) AS "items!",
    coalesce((SELECT json_agg(f) FROM facets AS f), '[]'::json) AS "facets!";

-- name: SearchContentExactReference :many
-- REFERENCE ONLY (bench/relevance.py compares SearchContent with it; the service never runs it):
-- the exact ranking, every match ranked, in SearchContent's order and with its columns and
-- keyset. Its cost grows with the number of matches, which is why SearchContent bounds it.
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

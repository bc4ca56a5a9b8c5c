-- The "digital twin" conversation: a user's messages to an entity and the entity's replies,
-- composed from the entity's own lore.

-- The linter's placeholder templater turns parameters into bare names, which RF02 would want
-- qualified.
-- noqa: disable=RF02

-- name: ListConversationMessages :many
-- One user's messages with one entity and its replies, newest first; keyset (created_at, id)
-- descending, after_* the last row of the previous page (NULL: first page).
SELECT
    m.id,
    m.role,
    m.body,
    m.citations,
    m.created_at
FROM conversation_messages AS m
WHERE
    m.user_id = @user_id
    AND m.ghost_entity_id = @ghost_entity_id
    AND (
        sqlc.narg(after_id)::uuid IS NULL
        OR (m.created_at, m.id) < (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id))
    )
ORDER BY m.created_at DESC, m.id DESC
LIMIT @max_rows;

-- name: InsertConversationExchange :many
-- Store a user's message and the entity's reply in one statement (so both or neither): the
-- reply is stamped one microsecond after the message, so newest-first puts it ahead of the
-- message it answers. Returns the message, then the reply.
WITH asked AS (
    INSERT INTO conversation_messages (user_id, ghost_entity_id, role, body, created_at)
    VALUES (@user_id, @ghost_entity_id, 'user', @message, now())
    RETURNING id, role, body, citations, created_at
),

answered AS (
    INSERT INTO conversation_messages (user_id, ghost_entity_id, role, body, citations, created_at)
    SELECT
        @user_id,
        @ghost_entity_id,
        'ghost' AS role, -- noqa: RF04
        @reply AS body,
        @citations::jsonb AS citations,
        a.created_at + interval '1 microsecond' AS created_at
    FROM asked AS a
    RETURNING id, role, body, citations, created_at
)

SELECT
    a.id AS "id!",
    a.role AS "role!",
    a.body AS "body!",
    a.citations AS "citations!",
    a.created_at AS "created_at!"
FROM asked AS a
UNION ALL
SELECT
    r.id,
    r.role,
    r.body,
    r.citations,
    r.created_at
FROM answered AS r
ORDER BY "created_at!" ASC;

-- name: ListLorePassages :many
-- The passages of an entity's lore that best answer message, best first: sentences (and
-- paragraphs without end punctuation) of its description, each of its characteristics, and
-- sentences of the bodies of its published stories. The message's words are OR-ed, so a
-- passage needs only one of them; ranked by ts_rank_cd, ties in reading order (description,
-- characteristics, then stories by link position and slug). When no passage matches, the
-- description's opening passages come back instead, with matched false.
WITH input AS (
    -- each lexeme of the message, quoted for tsquery input; '' (matching nothing) when the
    -- message holds only stop words
    SELECT
        coalesce(
            (
                SELECT string_agg('''' || replace(l.lexeme, '''', '''''') || '''', ' | ')
                FROM unnest(tsvector_to_array(to_tsvector('english', @message))) AS l (lexeme)
                -- a backslash is an escape in tsquery input; no English word carries one
                WHERE strpos(l.lexeme, '\') = 0
            ),
            ''
        )::tsquery AS q
),

passages AS (
    SELECT
        'lore' AS origin,
        NULL::text AS story_slug,
        NULL::text AS story_title,
        0 AS part,
        p.n AS seq,
        btrim(p.passage) AS passage
    FROM ghost_entities AS g
    CROSS JOIN
        LATERAL regexp_split_to_table(
            g.description, '(?<=[.!?])\s+|\s*\n\s*\n\s*'
        ) WITH ORDINALITY AS p (passage, n)
    WHERE g.id = @ghost_id
    UNION ALL
    SELECT
        'lore' AS origin,
        NULL::text AS story_slug,
        NULL::text AS story_title,
        1 AS part,
        c.n AS seq,
        btrim(c.passage) AS passage
    FROM ghost_entities AS g
    CROSS JOIN LATERAL unnest(g.characteristics) WITH ORDINALITY AS c (passage, n)
    WHERE g.id = @ghost_id
    UNION ALL
    SELECT
        'story' AS origin,
        s.slug AS story_slug,
        s.title AS story_title,
        1 + dense_rank() OVER (ORDER BY sge.position, s.slug) AS part,
        p.n AS seq,
        btrim(p.passage) AS passage
    FROM story_ghost_entities AS sge
    INNER JOIN stories AS s ON sge.story_id = s.id
    CROSS JOIN
        LATERAL regexp_split_to_table(
            s.body, '(?<=[.!?])\s+|\s*\n\s*\n\s*'
        ) WITH ORDINALITY AS p (passage, n)
    WHERE sge.ghost_entity_id = @ghost_id AND s.status = 'published'
),

matched AS (
    SELECT
        ps.*,
        ts_rank_cd(pv.v, i.q) AS rank
    FROM passages AS ps
    CROSS JOIN input AS i
    -- each passage parsed once, for the match and the rank
    CROSS JOIN LATERAL to_tsvector('english', ps.passage) AS pv (v)
    WHERE ps.passage <> '' AND pv.v @@ i.q
    ORDER BY rank DESC, ps.part ASC, ps.seq ASC
    LIMIT @max_rows
),

opening AS (
    SELECT ps.*
    FROM passages AS ps
    WHERE
        ps.part = 0
        AND ps.passage <> ''
        AND NOT EXISTS (SELECT 1 FROM matched)
    ORDER BY ps.seq ASC
    LIMIT @max_rows
)

SELECT
    m.origin AS "source!",
    m.story_slug AS "story_slug?",
    m.story_title AS "story_title?",
    m.passage AS "passage!",
    m.rank AS "rank!",
    TRUE AS "matched!",
    m.part AS "part!",
    m.seq AS "position!"
FROM matched AS m
UNION ALL
SELECT
    o.origin,
    o.story_slug,
    o.story_title,
    o.passage,
    0::real AS rank,
    FALSE AS found,
    o.part,
    o.seq
FROM opening AS o
ORDER BY "matched!" DESC, "rank!" DESC, "part!" ASC, "position!" ASC;

-- One query per nullability rule; tests/test_codegen_nullability.py checks each field.

-- name: StrictFunctions :many
-- upper() is STRICT: NOT NULL over a NOT NULL column, nullable over a nullable one.
SELECT
    upper(a.name) AS upper_name,
    upper(a.email) AS upper_email,
    length(a.name) + 1 AS name_length,
    lower(a.name) AS lower_name,
    maybe_null(a.name) AS user_function,
    array_length(h.tags, 1) AS tag_count,
    h.payload ->> 'k' AS json_field,
    substring(a.name, 'x+') AS regex_match,
    greatest(h.rating, 0) AS rating_or_zero,
    nullif(a.name, '') AS emptied
FROM authors AS a
JOIN hauntings AS h ON h.author_id = a.id;

-- name: CoalesceRule :many
SELECT
    coalesce(a.email, a.name) AS contact,
    coalesce(a.email, NULL) AS maybe_contact
FROM authors AS a;

-- name: ViewColumns :many
-- Views and materialized views traced to their definitions.
SELECT v.id, v.shout, v.rating, v.first_title, c.mood, c.n, c.best
FROM author_names AS v
CROSS JOIN haunting_counts AS c;

-- name: RecursiveTree :many
-- Both branches of a recursive CTE: depth and path are never NULL, parent_id is.
WITH RECURSIVE tree (id, parent_id, depth, path) AS (
    SELECT p.id, p.parent_id, 1, p.name FROM places AS p WHERE p.parent_id IS NULL
    UNION ALL
    SELECT c.id, c.parent_id, t.depth + 1, t.path || '/' || c.name
    FROM places AS c
    JOIN tree AS t ON c.parent_id = t.id
)
SELECT tree.id, tree.parent_id, tree.depth, tree.path FROM tree ORDER BY tree.path;

-- name: RecursiveNullable :many
-- The recursive branch brings NULLs (a nullable column): the CTE's column is nullable.
WITH RECURSIVE chain AS (
    SELECT p.id, p.name AS label FROM places AS p WHERE p.parent_id IS NULL
    UNION ALL
    SELECT c.id, c.note FROM places AS c JOIN chain AS ch ON c.parent_id = ch.id
)
SELECT chain.id, chain.label FROM chain;

-- name: JsonBuilders :many
SELECT
    json_build_object('name', a.name, 'email', a.email) AS obj,
    jsonb_build_array(a.email) AS arr,
    to_jsonb(a.name) AS name_json,
    concat(a.email, '!') AS concatenated,
    format('%s <%s>', a.name, a.email) AS formatted
FROM authors AS a;

-- name: SeriesAndOrdinality :many
SELECT g.n, u.tag, u.position
FROM generate_series(1, 3) AS g (n)
CROSS JOIN unnest(@tags::text[]) WITH ORDINALITY AS u (tag, position);

-- name: CountSubquery :many
SELECT
    a.id,
    (SELECT count(*) FROM hauntings AS h WHERE h.author_id = a.id) AS hauntings,
    (SELECT max(h.rating) FROM hauntings AS h WHERE h.author_id = a.id) AS best,
    (SELECT h.title FROM hauntings AS h WHERE h.author_id = a.id LIMIT 1) AS a_title
FROM authors AS a;

-- name: GroupedAggregates :many
-- With GROUP BY each group has a row: sum over a NOT NULL column is NOT NULL.
SELECT
    h.mood,
    sum(h.id) AS id_sum,
    min(h.title) AS first_title,
    sum(h.small) AS small_sum,
    array_agg(h.rating) AS ratings,
    sum(h.id) FILTER (WHERE h.flag) AS flagged_sum
FROM hauntings AS h
GROUP BY h.mood;

-- name: UngroupedAggregates :one
-- Without GROUP BY there may be no row at all: sum is NULL then.
SELECT sum(h.id) AS id_sum, count(h.id) AS counted FROM hauntings AS h;

-- name: NextTicket :one
SELECT nextval('ticket_numbers') AS ticket;

-- name: Predicates :many
SELECT
    a.name IS DISTINCT FROM a.email AS differs,
    a.name LIKE 'A%' AS starts_with_a,
    a.email LIKE 'a%' AS email_starts_with_a,
    a.kind IN ('human', 'ghost') AS known_kind
FROM authors AS a;

-- name: NullFromNonNull :one
-- NOT NULL inputs that still give NULL: a JSON null cast to a number, to_char() with an empty
-- format, current_schema with an empty search_path.
WITH j AS (SELECT 'null'::jsonb AS v, 1 AS one)
SELECT
    j.v::int AS from_json,
    j.v::text AS json_text,
    to_char(now(), '') AS formatted,
    current_schema AS current_schema_name,
    j.one::bigint AS widened
FROM j;

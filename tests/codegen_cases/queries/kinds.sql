-- Test-only queries: one per kind and per feature the generator supports.

-- name: GetAuthor :one
-- One author by id.
SELECT * FROM authors WHERE id = @id;

-- name: ListAuthors :many
SELECT a.* FROM authors AS a ORDER BY a.name;

-- name: CreateAuthor :one
-- email is nullable (the column is), kind is a Literal (CHECK constraint).
INSERT INTO authors (name, email, kind) VALUES (@name, @email, @kind)
RETURNING *;

-- name: RenameAuthor :exec
UPDATE authors SET name = @name WHERE id = @id;

-- name: DeleteAuthorsByKind :execrows
DELETE FROM authors WHERE kind = @kind;

-- name: CopyBulk :copyfrom
INSERT INTO bulk (a, b, c) VALUES (@a, @b, @c);

-- name: CountBulk :one
SELECT count(*) AS n, count(DISTINCT a) AS distinct_a FROM bulk;

-- name: IterSeries :iter
-- A large read through a server-side cursor.
SELECT g.n AS "n!", 'x' || g.n AS label FROM generate_series(1, @upto::int) AS g (n);

-- name: AuthorHauntings :many
-- LEFT JOIN: every haunting column is optional, the author's NOT NULL ones are not.
SELECT a.id, a.name, a.email, h.id AS haunting_id, h.title, h.mood
FROM authors AS a
LEFT JOIN hauntings AS h ON h.author_id = a.id
ORDER BY a.name, h.id;

-- name: HauntingAuthors :many
-- RIGHT JOIN: now the author side is the nullable one.
SELECT a.name AS author_name, h.title
FROM authors AS a
RIGHT JOIN hauntings AS h ON h.author_id = a.id
ORDER BY h.id;

-- name: Stats :one
-- Aggregates and expressions: count is never NULL, max is, COALESCE with a constant is not.
SELECT
    count(*) AS total,
    max(h.rating) AS best,
    coalesce(max(h.rating), 0) AS best_or_zero,
    sum(h.small) AS "small_sum!",
    count(*) AS "maybe?",
    now() AS checked_at,
    h2.title AS via_subquery
FROM hauntings AS h
CROSS JOIN (SELECT title FROM hauntings ORDER BY id LIMIT 1) AS h2
GROUP BY h2.title;

-- name: GetHauntingTypes :one
SELECT * FROM hauntings WHERE id = @id;

-- name: CreateHaunting :one
INSERT INTO hauntings (author_id, title, mood, intensity, duration, seen_on, seen_at, payload,
    raw, origin_ip, tags, scores, moods, doc, rating, small, status)
VALUES (@author_id, @title, @mood, @intensity, @duration, @seen_on, @seen_at, @payload, @raw,
    @origin_ip, @tags, @scores, @moods, @doc, @rating, @small, @status)
RETURNING id;

-- name: FindHauntings :many
-- Positional parameters named from context; LIMIT names its own.
SELECT h.id, h.title FROM hauntings AS h
WHERE h.title = $1 AND h.mood = $2
ORDER BY h.id LIMIT $3;

-- name: HauntingsByIds :many
-- An empty array is valid and matches nothing.
SELECT h.id FROM hauntings AS h WHERE h.id = ANY(@ids::bigint[]) ORDER BY h.id;

-- name: SearchAuthors :many
-- The same name twice is one parameter; sqlc.narg makes it nullable.
SELECT a.name FROM authors AS a
WHERE (sqlc.narg(kind)::text IS NULL OR a.kind = sqlc.narg(kind))
  AND a.name <> @name AND a.name <> sqlc.arg(name)
ORDER BY a.name;

-- name: LockAuthor :one
SELECT a.id FROM authors AS a WHERE a.id = @id FOR UPDATE;

-- name: CallVolatile :one
SELECT bump() AS "v!";

-- name: InsertViaCte :one
WITH made AS (INSERT INTO authors (name) VALUES (@name) RETURNING id)
SELECT made.id FROM made;

-- name: EchoJson :one
SELECT @doc::jsonb AS doc, @doc::jsonb -> 'k' AS k;

-- name: AuthorsByIds :many
-- A uuid[] parameter, as the API passes lists of ids.
SELECT a.id, a.name FROM authors AS a WHERE a.id = ANY(@ids::uuid[]) ORDER BY a.name;

-- name: IterAuthorNames :iter
-- A cursor over a table, which inside a transaction sees that transaction's writes.
SELECT a.name FROM authors AS a ORDER BY a.name;

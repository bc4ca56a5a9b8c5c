-- sqlc kinds beyond :one/:many/:exec, annotation styles and macros.

/* name: BlockAnnotated :one */
-- A block-comment annotation, as sqlc also accepts.
SELECT a.name FROM authors AS a WHERE a.id = @id;

-- name: Placeholder :exec
SELECT 1;

-- name: PlaceholderRows :execrows
SELECT 1, 2;

-- name: RetitleHauntings :execresult
UPDATE hauntings SET title = @title WHERE author_id = @author_id;

-- name: AddBulk :batchexec
INSERT INTO bulk (a, b) VALUES (@a, @b);

-- name: AuthorByName :batchone
SELECT a.id, a.name FROM authors AS a WHERE a.name = @name;

-- name: HauntingsOfAuthor :batchmany
SELECT h.id, h.title FROM hauntings AS h WHERE h.author_id = @author_id ORDER BY h.id;

-- name: CreateAuthors :batchone
INSERT INTO authors (name, kind) VALUES (@name, 'ghost') RETURNING id, name;

-- name: AuthorsInSlice :many
SELECT a.name FROM authors AS a WHERE a.name IN (sqlc.slice(names)) ORDER BY a.name;

-- name: AuthorsNotInSlice :many
SELECT a.name FROM authors AS a
WHERE a.name NOT IN (
    sqlc.slice(names)
) AND a.kind = ANY(sqlc.slice(kinds))
ORDER BY a.name;

-- name: MixedParams :many
SELECT b.a FROM bulk AS b WHERE b.a >= $1 AND b.b = @b ORDER BY b.a;

-- name: SelfJoin :many
SELECT * FROM authors AS x JOIN authors AS y ON y.kind = x.kind AND y.id <> x.id ORDER BY x.name;

-- name: EmbedAuthor :many
SELECT sqlc.embed(a), h.title FROM hauntings AS h JOIN authors AS a ON a.id = h.author_id
ORDER BY h.id;

-- name: RenameReturningOldNew :one
UPDATE authors SET name = @name WHERE id = @id
RETURNING old.name AS old_name, new.name AS new_name, old.email;

-- name: RenameReturningAliases :one
UPDATE authors SET name = @name WHERE id = @id
RETURNING WITH (OLD AS o, NEW AS n) o.name AS before, n.*;

-- name: DeleteReturningOld :one
DELETE FROM authors WHERE id = @id RETURNING old.name AS gone, new.name AS nothing;

-- name: RenameViaCte :batchone
-- A data-modifying WITH cannot be wrapped: once per set, inside one transaction.
WITH renamed AS (UPDATE authors SET name = @name WHERE id = @id RETURNING id, name)
SELECT renamed.id, renamed.name FROM renamed;

-- name: ArchiveViaCte :batchmany
WITH gone AS (DELETE FROM hauntings WHERE author_id = @author_id RETURNING id, title)
SELECT gone.id, gone.title FROM gone ORDER BY gone.id;

-- name: SpacedNames :one
-- Column names that are not Python identifiers: the field is spelled in Python, JSON keeps them.
SELECT a.name AS "Full Name", a.kind AS "author-kind" FROM authors AS a WHERE a.id = @id;

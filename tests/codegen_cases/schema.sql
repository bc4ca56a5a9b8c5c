-- Test-only schema for the generator: every kind, type and nullability case.
CREATE TYPE mood AS ENUM ('calm', 'angry', 'sad');

CREATE TABLE authors (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    email text NULL,
    kind text NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'ghost')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hauntings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id uuid NULL REFERENCES authors (id) ON DELETE SET NULL,
    title text NOT NULL,
    mood mood NOT NULL DEFAULT 'calm',
    intensity numeric(6, 2) NULL,
    duration interval NULL,
    seen_on date NULL,
    seen_at timestamp NULL,
    payload jsonb NULL,
    raw bytea NULL,
    origin_ip inet NULL,
    tags text [] NOT NULL DEFAULT '{}',
    scores integer [] NULL,
    moods mood [] NULL,
    doc tsvector NULL,
    rating double precision NULL,
    small smallint NULL,
    flag boolean NOT NULL DEFAULT FALSE,
    status varchar(10) NOT NULL DEFAULT 'open' CHECK (status = ANY (ARRAY['open', 'closed']))
);

CREATE TABLE bulk (
    a integer NOT NULL,
    b text NULL,
    c timestamptz NULL
);

CREATE FUNCTION bump() RETURNS integer LANGUAGE sql VOLATILE AS 'SELECT 1';

-- Nullability cases: views traced to their tables, a tree for recursive CTEs, a sequence, and
-- a STRICT user function that answers NULL anyway (so user functions are never trusted).
CREATE TABLE places (
    id integer PRIMARY KEY,
    parent_id integer NULL REFERENCES places (id),
    name text NOT NULL,
    note text NULL
);

CREATE VIEW author_names AS
SELECT a.id, upper(a.name) AS shout, h.rating, h.title AS first_title
FROM authors AS a
LEFT JOIN hauntings AS h ON h.author_id = a.id;

CREATE MATERIALIZED VIEW haunting_counts AS
SELECT h.mood, count(*) AS n, max(h.rating) AS best FROM hauntings AS h GROUP BY h.mood;

CREATE SEQUENCE ticket_numbers;

CREATE FUNCTION maybe_null(t text) RETURNS text LANGUAGE sql STRICT AS 'SELECT NULL::text';

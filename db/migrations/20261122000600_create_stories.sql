-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE stories (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL,
    title text NOT NULL,
    summary text NOT NULL DEFAULT '', -- noqa: RF04
    body text NOT NULL DEFAULT '',
    tags text[] NOT NULL DEFAULT '{}',
    -- 1..600 (CHECK below): a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-smallint
    reading_minutes smallint NOT NULL DEFAULT 1,
    status text NOT NULL DEFAULT 'draft',
    published_at timestamptz NULL,
    author_id uuid NULL,
    search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(
            to_tsvector(
                'english'::regconfig,
                immutable_array_to_string(tags) || ' ' || summary
            ),
            'B'
        )
        || setweight(to_tsvector('english'::regconfig, body), 'D')
    ) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stories_author_id_fkey FOREIGN KEY (author_id)
    REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT stories_slug_key UNIQUE (slug),
    CONSTRAINT stories_slug_check CHECK (
        char_length(slug) <= 120
        AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'
    ),
    CONSTRAINT stories_title_check CHECK (char_length(title) BETWEEN 1 AND 200),
    CONSTRAINT stories_summary_check CHECK (char_length(summary) <= 1000),
    -- Same rule as ghost_entities_tags_check.
    CONSTRAINT stories_tags_check CHECK (
        cardinality(tags) <= 32
        AND (
            cardinality(tags) = 0
            OR (
                string_to_array(immutable_array_to_string(tags), ' ') = tags
                AND immutable_array_to_string(tags)
                ~ '^[a-z0-9]+(-[a-z0-9]+)*( [a-z0-9]+(-[a-z0-9]+)*)*$'
            )
        )
    ),
    CONSTRAINT stories_reading_minutes_check CHECK (reading_minutes BETWEEN 1 AND 600),
    CONSTRAINT stories_status_check CHECK (status IN ('draft', 'published')),
    CONSTRAINT stories_published_at_check CHECK (
        status <> 'published' OR published_at IS NOT NULL
    )
);

CREATE INDEX stories_search_vector_idx ON stories USING gin (search_vector);

CREATE INDEX stories_tags_idx ON stories USING gin (tags);

CREATE INDEX stories_title_trgm_idx ON stories USING gin (title gin_trgm_ops);

CREATE INDEX stories_published_at_idx ON stories (published_at DESC, id DESC)
WHERE status = 'published';

CREATE INDEX stories_published_title_idx ON stories (title, id)
WHERE status = 'published';

CREATE INDEX stories_author_id_idx ON stories (author_id);

CREATE TRIGGER stories_set_updated_at
BEFORE UPDATE ON stories
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE stories;

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE ghost_entities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL,
    name text NOT NULL, -- noqa: RF04
    entity_type text NOT NULL,
    origin text NULL,
    location text NULL, -- noqa: RF04
    era text NULL,
    description text NOT NULL DEFAULT '',
    -- 1..5 (CHECK below): a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-smallint
    danger_level smallint NOT NULL,
    characteristics text[] NOT NULL DEFAULT '{}', -- noqa: RF04
    tags text[] NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'draft',
    published_at timestamptz NULL,
    author_id uuid NULL,
    search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, name), 'A')
        || setweight(
            to_tsvector(
                'english'::regconfig,
                immutable_array_to_string(tags)
                || ' '
                || immutable_array_to_string(characteristics)
            ),
            'B'
        )
        || setweight(
            to_tsvector(
                'english'::regconfig,
                coalesce(origin, '')
                || ' '
                || coalesce(location, '')
                || ' '
                || coalesce(era, '')
            ),
            'C'
        )
        || setweight(to_tsvector('english'::regconfig, description), 'D')
    ) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ghost_entities_author_id_fkey FOREIGN KEY (author_id)
    REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT ghost_entities_slug_key UNIQUE (slug),
    CONSTRAINT ghost_entities_slug_check CHECK (
        char_length(slug) <= 120
        AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'
    ),
    CONSTRAINT ghost_entities_name_check CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT ghost_entities_entity_type_check CHECK (
        entity_type IN (
            'apparition', 'poltergeist', 'demon', 'spirit', 'revenant', 'banshee',
            'wraith', 'shapeshifter', 'cryptid', 'folk_spirit', 'other'
        )
    ),
    CONSTRAINT ghost_entities_danger_level_check CHECK (danger_level BETWEEN 1 AND 5),
    -- At most 32 tags, each slug-shaped: joining with ' ' and splitting back must
    -- round-trip (no NULL elements, no spaces inside a tag, one dimension).
    CONSTRAINT ghost_entities_tags_check CHECK (
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
    CONSTRAINT ghost_entities_status_check CHECK (status IN ('draft', 'published')),
    CONSTRAINT ghost_entities_published_at_check CHECK (
        status <> 'published' OR published_at IS NOT NULL
    )
);

CREATE INDEX ghost_entities_search_vector_idx ON ghost_entities USING gin (search_vector);

CREATE INDEX ghost_entities_tags_idx ON ghost_entities USING gin (tags);

CREATE INDEX ghost_entities_name_trgm_idx ON ghost_entities USING gin (name gin_trgm_ops);

CREATE INDEX ghost_entities_published_at_idx ON ghost_entities (published_at DESC, id DESC)
WHERE status = 'published';

CREATE INDEX ghost_entities_published_name_idx ON ghost_entities (name, id)
WHERE status = 'published';

CREATE INDEX ghost_entities_published_entity_type_idx ON ghost_entities (entity_type)
WHERE status = 'published';

CREATE INDEX ghost_entities_author_id_idx ON ghost_entities (author_id);

CREATE TRIGGER ghost_entities_set_updated_at
BEFORE UPDATE ON ghost_entities
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE ghost_entities;

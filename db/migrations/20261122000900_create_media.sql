-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE media (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ghost_entity_id uuid NULL,
    story_id uuid NULL,
    url text NOT NULL,
    mime_type text NOT NULL,
    size_bytes bigint NOT NULL,
    -- pixels: a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-int
    width integer NULL,
    -- pixels: a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-int
    height integer NULL,
    alt_text text NOT NULL DEFAULT '',
    -- display order within one entity or story: a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-smallint
    position smallint NOT NULL DEFAULT 0, -- noqa: RF04
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT media_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT media_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT media_one_target_check CHECK (num_nonnulls(ghost_entity_id, story_id) = 1),
    CONSTRAINT media_url_check CHECK (
        char_length(url) <= 2048
        AND url ~ '^https?://'
    ),
    CONSTRAINT media_mime_type_check CHECK (mime_type ~ '^(image|video|audio)/[a-z0-9.+-]+$'),
    CONSTRAINT media_size_bytes_check CHECK (size_bytes >= 0),
    CONSTRAINT media_width_check CHECK (width > 0),
    CONSTRAINT media_height_check CHECK (height > 0),
    CONSTRAINT media_alt_text_check CHECK (char_length(alt_text) <= 500),
    CONSTRAINT media_position_check CHECK (position >= 0)
);

CREATE INDEX media_ghost_entity_id_idx ON media (ghost_entity_id);

CREATE INDEX media_story_id_idx ON media (story_id);

CREATE TRIGGER media_set_updated_at
BEFORE UPDATE ON media
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE media;

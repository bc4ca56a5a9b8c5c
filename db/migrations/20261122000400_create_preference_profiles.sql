-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE preference_profiles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    favorite_entity_types text[] NOT NULL DEFAULT '{}',
    favorite_tags text[] NOT NULL DEFAULT '{}',
    -- 1..5 (CHECK below): a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-smallint
    min_danger smallint NOT NULL DEFAULT 1,
    -- 1..5 (CHECK below): a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-smallint
    max_danger smallint NOT NULL DEFAULT 5,
    show_spoilers boolean NOT NULL DEFAULT FALSE,
    email_digest boolean NOT NULL DEFAULT FALSE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT preference_profiles_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT preference_profiles_user_id_key UNIQUE (user_id),
    -- Same vocabulary as ghost_entities.entity_type (no NULL elements).
    CONSTRAINT preference_profiles_favorite_entity_types_check CHECK (
        favorite_entity_types <@ ARRAY[
            'apparition', 'poltergeist', 'demon', 'spirit', 'revenant', 'banshee',
            'wraith', 'shapeshifter', 'cryptid', 'folk_spirit', 'other'
        ]::text[]
    ),
    CONSTRAINT preference_profiles_favorite_tags_check CHECK (
        cardinality(favorite_tags) <= 32
    ),
    CONSTRAINT preference_profiles_min_danger_check CHECK (min_danger BETWEEN 1 AND 5),
    CONSTRAINT preference_profiles_max_danger_check CHECK (max_danger BETWEEN 1 AND 5),
    CONSTRAINT preference_profiles_danger_range_check CHECK (min_danger <= max_danger)
);

CREATE TRIGGER preference_profiles_set_updated_at
BEFORE UPDATE ON preference_profiles
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE preference_profiles;

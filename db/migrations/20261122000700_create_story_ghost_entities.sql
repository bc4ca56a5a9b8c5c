-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE story_ghost_entities (
    story_id uuid NOT NULL,
    ghost_entity_id uuid NOT NULL,
    role text NOT NULL DEFAULT 'featured', -- noqa: RF04
    -- display order within one story: a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-smallint
    position smallint NOT NULL DEFAULT 0, -- noqa: RF04
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT story_ghost_entities_pkey PRIMARY KEY (story_id, ghost_entity_id),
    CONSTRAINT story_ghost_entities_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT story_ghost_entities_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT story_ghost_entities_role_check CHECK (role IN ('featured', 'mentioned')),
    CONSTRAINT story_ghost_entities_position_check CHECK (position >= 0)
);

CREATE INDEX story_ghost_entities_ghost_entity_id_idx
ON story_ghost_entities (ghost_entity_id);

CREATE TRIGGER story_ghost_entities_set_updated_at
BEFORE UPDATE ON story_ghost_entities
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE story_ghost_entities;

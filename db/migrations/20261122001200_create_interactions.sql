-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE interactions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NULL,
    ghost_entity_id uuid NULL,
    story_id uuid NULL,
    kind text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT interactions_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT interactions_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT interactions_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT interactions_one_target_check CHECK (
        num_nonnulls(ghost_entity_id, story_id) = 1
    ),
    CONSTRAINT interactions_kind_check CHECK (kind IN ('view', 'like', 'share', 'read'))
);

CREATE INDEX interactions_ghost_entity_id_created_at_idx
ON interactions (ghost_entity_id, created_at);

CREATE INDEX interactions_story_id_created_at_idx ON interactions (story_id, created_at);

CREATE INDEX interactions_user_id_created_at_idx ON interactions (user_id, created_at);

CREATE INDEX interactions_created_at_idx ON interactions (created_at);

CREATE TRIGGER interactions_set_updated_at
BEFORE UPDATE ON interactions
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE interactions;

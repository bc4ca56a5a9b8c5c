-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE recommendations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    ghost_entity_id uuid NULL,
    story_id uuid NULL,
    score double precision NOT NULL,
    reason text NOT NULL DEFAULT '',
    algorithm text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT recommendations_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT recommendations_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT recommendations_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT recommendations_user_ghost_key UNIQUE (user_id, ghost_entity_id),
    CONSTRAINT recommendations_user_story_key UNIQUE (user_id, story_id),
    CONSTRAINT recommendations_one_target_check CHECK (
        num_nonnulls(ghost_entity_id, story_id) = 1
    ),
    -- Finite and non-negative ('NaN' and 'Infinity' compare greater than any number).
    CONSTRAINT recommendations_score_check CHECK (
        score >= 0 AND score < 'Infinity'::double precision
    ),
    CONSTRAINT recommendations_reason_check CHECK (char_length(reason) <= 500),
    CONSTRAINT recommendations_algorithm_check CHECK (
        algorithm IN ('content', 'collaborative', 'popular', 'hybrid')
    )
);

CREATE INDEX recommendations_user_id_score_idx ON recommendations (user_id, score DESC, id);

-- Support the ON DELETE CASCADE from ghost_entities / stories.
CREATE INDEX recommendations_ghost_entity_id_idx ON recommendations (ghost_entity_id);

CREATE INDEX recommendations_story_id_idx ON recommendations (story_id);

CREATE TRIGGER recommendations_set_updated_at
BEFORE UPDATE ON recommendations
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE recommendations;

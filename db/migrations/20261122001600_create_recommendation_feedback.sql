-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- One current feedback per (user, item). Keyed on the item, not the recommendation,
-- so dismissals survive recomputation of recommendations (recommendation_id goes NULL).
CREATE TABLE recommendation_feedback (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    recommendation_id uuid NULL,
    ghost_entity_id uuid NULL,
    story_id uuid NULL,
    feedback text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT recommendation_feedback_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT recommendation_feedback_recommendation_id_fkey FOREIGN KEY (recommendation_id)
    REFERENCES recommendations (id) ON DELETE SET NULL,
    CONSTRAINT recommendation_feedback_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT recommendation_feedback_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT recommendation_feedback_user_ghost_key UNIQUE (user_id, ghost_entity_id),
    CONSTRAINT recommendation_feedback_user_story_key UNIQUE (user_id, story_id),
    CONSTRAINT recommendation_feedback_one_target_check CHECK (
        num_nonnulls(ghost_entity_id, story_id) = 1
    ),
    CONSTRAINT recommendation_feedback_feedback_check CHECK (
        feedback IN ('helpful', 'not_helpful', 'dismissed')
    )
);

-- Supports ON DELETE SET NULL when recommendations are recomputed.
CREATE INDEX recommendation_feedback_recommendation_id_idx
ON recommendation_feedback (recommendation_id);

-- Support the ON DELETE CASCADE from ghost_entities / stories.
CREATE INDEX recommendation_feedback_ghost_entity_id_idx
ON recommendation_feedback (ghost_entity_id);

CREATE INDEX recommendation_feedback_story_id_idx ON recommendation_feedback (story_id);

CREATE TRIGGER recommendation_feedback_set_updated_at
BEFORE UPDATE ON recommendation_feedback
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE recommendation_feedback;

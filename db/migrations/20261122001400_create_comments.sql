-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE comments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    story_id uuid NOT NULL,
    user_id uuid NULL,
    parent_id uuid NULL,
    body text NOT NULL,
    -- Soft delete: the row stays so replies keep their place in the thread.
    deleted_at timestamptz NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT comments_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT comments_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE SET NULL,
    -- Target of the composite self-reference below.
    CONSTRAINT comments_id_story_key UNIQUE (id, story_id),
    -- A reply always belongs to its parent's story.
    CONSTRAINT comments_parent_id_fkey FOREIGN KEY (parent_id, story_id)
    REFERENCES comments (id, story_id) ON DELETE CASCADE,
    CONSTRAINT comments_parent_id_check CHECK (parent_id <> id),
    CONSTRAINT comments_body_check CHECK (char_length(body) BETWEEN 1 AND 5000)
);

CREATE INDEX comments_story_id_top_level_idx ON comments (story_id, created_at, id)
WHERE parent_id IS NULL;

CREATE INDEX comments_parent_id_created_at_idx ON comments (parent_id, created_at, id);

CREATE INDEX comments_user_id_idx ON comments (user_id);

-- Supports the ON DELETE CASCADE from stories (replies are not in the partial index).
CREATE INDEX comments_story_id_idx ON comments (story_id);

CREATE TRIGGER comments_set_updated_at
BEFORE UPDATE ON comments
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE comments;

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE bookmarks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    ghost_entity_id uuid NULL,
    story_id uuid NULL,
    content_type text GENERATED ALWAYS AS (
        CASE WHEN ghost_entity_id IS NOT NULL THEN 'ghost' ELSE 'story' END
    ) STORED,
    note text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bookmarks_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT bookmarks_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT bookmarks_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT bookmarks_one_target_check CHECK (num_nonnulls(ghost_entity_id, story_id) = 1),
    CONSTRAINT bookmarks_note_check CHECK (char_length(note) <= 1000),
    CONSTRAINT bookmarks_user_ghost_key UNIQUE (user_id, ghost_entity_id),
    CONSTRAINT bookmarks_user_story_key UNIQUE (user_id, story_id)
);

CREATE INDEX bookmarks_user_id_created_at_idx
ON bookmarks (user_id, created_at DESC, id DESC);

-- Support the ON DELETE CASCADE from ghost_entities / stories.
CREATE INDEX bookmarks_ghost_entity_id_idx ON bookmarks (ghost_entity_id);

CREATE INDEX bookmarks_story_id_idx ON bookmarks (story_id);

CREATE TRIGGER bookmarks_set_updated_at
BEFORE UPDATE ON bookmarks
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE bookmarks;

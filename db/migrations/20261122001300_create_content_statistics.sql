-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE content_statistics (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ghost_entity_id uuid NULL,
    story_id uuid NULL,
    view_count bigint NOT NULL DEFAULT 0,
    like_count bigint NOT NULL DEFAULT 0,
    share_count bigint NOT NULL DEFAULT 0,
    read_count bigint NOT NULL DEFAULT 0,
    bookmark_count bigint NOT NULL DEFAULT 0,
    comment_count bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT content_statistics_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT content_statistics_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT content_statistics_ghost_entity_id_key UNIQUE (ghost_entity_id),
    CONSTRAINT content_statistics_story_id_key UNIQUE (story_id),
    CONSTRAINT content_statistics_one_target_check CHECK (
        num_nonnulls(ghost_entity_id, story_id) = 1
    ),
    CONSTRAINT content_statistics_view_count_check CHECK (view_count >= 0),
    CONSTRAINT content_statistics_like_count_check CHECK (like_count >= 0),
    CONSTRAINT content_statistics_share_count_check CHECK (share_count >= 0),
    CONSTRAINT content_statistics_read_count_check CHECK (read_count >= 0),
    CONSTRAINT content_statistics_bookmark_count_check CHECK (bookmark_count >= 0),
    CONSTRAINT content_statistics_comment_count_check CHECK (comment_count >= 0)
);

CREATE TRIGGER content_statistics_set_updated_at
BEFORE UPDATE ON content_statistics
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE content_statistics;

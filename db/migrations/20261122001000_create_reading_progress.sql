-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE reading_progress (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    story_id uuid NOT NULL,
    -- 0..100 (CHECK below): a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-smallint
    percent smallint NOT NULL DEFAULT 0,
    -- offset within one story body: a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-int
    position integer NOT NULL DEFAULT 0, -- noqa: RF04
    completed_at timestamptz NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reading_progress_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT reading_progress_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT reading_progress_user_id_story_id_key UNIQUE (user_id, story_id),
    CONSTRAINT reading_progress_percent_check CHECK (percent BETWEEN 0 AND 100),
    CONSTRAINT reading_progress_position_check CHECK (position >= 0),
    CONSTRAINT reading_progress_completed_at_check CHECK (
        completed_at IS NULL OR percent = 100
    )
);

CREATE INDEX reading_progress_user_id_updated_at_idx
ON reading_progress (user_id, updated_at DESC);

-- Supports the ON DELETE CASCADE from stories.
CREATE INDEX reading_progress_story_id_idx ON reading_progress (story_id);

CREATE TRIGGER reading_progress_set_updated_at
BEFORE UPDATE ON reading_progress
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE reading_progress;

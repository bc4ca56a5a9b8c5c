-- Reading progress: how far each user has read each story.

-- name: ListReadingProgress :many
-- A user's progress through published stories, most recently updated first; keyset
-- pagination on (updated_at, id). Pass the last row's updated_at and id for the next page
-- (first page: datetime.max, any id).
SELECT
    rp.id,
    s.slug AS story_slug,
    s.title AS story_title,
    rp.percent,
    rp.position,
    rp.completed_at,
    rp.updated_at
FROM reading_progress AS rp
INNER JOIN stories AS s ON rp.story_id = s.id
WHERE
    rp.user_id = @user_id -- noqa: RF02
    AND s.status = 'published'
    AND (rp.updated_at, rp.id) < (@after_updated_at, @after_id) -- noqa: RF02
ORDER BY rp.updated_at DESC, rp.id DESC
LIMIT @max_rows;

-- name: SaveReadingProgress :one
-- Create or replace a user's progress through a published story (by slug); no row when
-- there is no such story. Reaching 100 percent records completed_at; a completed story
-- stays completed (percent 100, first completed_at) while its position still moves.
-- The first completion also records a 'read' interaction (read counts, trending, signals).
WITH story AS (
    SELECT
        s.id,
        s.slug,
        s.title
    FROM stories AS s
    WHERE s.slug = @story_slug AND s.status = 'published'
),

saved AS (
    INSERT INTO reading_progress AS rp (user_id, story_id, percent, position, completed_at)
    SELECT
        @user_id,
        story.id AS story_id,
        @percent::smallint AS percent,
        @position::integer AS position, -- noqa: RF04
        CASE WHEN @percent::smallint = 100 THEN now() END AS completed_at
    FROM story
    ON CONFLICT (user_id, story_id) DO UPDATE
        SET
            -- the completed_at CHECK ties a recorded completion to percent 100
            percent = CASE WHEN rp.completed_at IS NULL THEN excluded.percent ELSE 100 END,
            position = excluded.position,
            completed_at = coalesce(rp.completed_at, excluded.completed_at)
    RETURNING
        rp.id,
        rp.story_id,
        rp.percent,
        rp.position,
        rp.completed_at,
        rp.updated_at,
        -- the row as it was before this statement (NULLs when it is new)
        old.completed_at AS previous_completed_at
),

read_event AS (
    INSERT INTO interactions (user_id, story_id, kind)
    SELECT
        @user_id,
        saved.story_id,
        'read' AS kind
    FROM saved
    WHERE saved.completed_at IS NOT NULL AND saved.previous_completed_at IS NULL
)

SELECT
    saved.id,
    story.slug AS story_slug,
    story.title AS story_title,
    saved.percent,
    saved.position,
    saved.completed_at,
    saved.updated_at
FROM saved
CROSS JOIN story;

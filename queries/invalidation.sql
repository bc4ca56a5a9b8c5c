-- What a write changes besides its own row: the other pages that show it, so that their
-- cached copies can be dropped once the write commits (service/handlers/cached.py).
-- Every status counts: a draft's page is cached as "not found" and changes when published.

-- The linter's placeholder templater turns parameters into bare names, which RF02 would want
-- qualified.
-- noqa: disable=RF02

-- name: ListGhostNeighbors :many
-- The entities related to an entity (either direction) and the stories that link it: their
-- pages show its name, type, danger level and status. kind is 'ghost' or 'story'.
SELECT
    'ghost' AS "kind!",
    g.id,
    g.slug
FROM ghost_entity_relationships AS r
INNER JOIN ghost_entities AS g
    ON CASE WHEN r.source_id = @ghost_id THEN r.target_id ELSE r.source_id END = g.id
WHERE r.source_id = @ghost_id OR r.target_id = @ghost_id
UNION
SELECT
    'story' AS kind,
    s.id,
    s.slug
FROM story_ghost_entities AS sge
INNER JOIN stories AS s ON sge.story_id = s.id
WHERE sge.ghost_entity_id = @ghost_id;

-- name: ListStoryNeighbors :many
-- The entities a story links: their pages list the story. kind is always 'ghost'.
SELECT
    'ghost' AS "kind!",
    g.id,
    g.slug
FROM story_ghost_entities AS sge
INNER JOIN ghost_entities AS g ON sge.ghost_entity_id = g.id
WHERE sge.story_id = @story_id;

-- name: ListContentSlugs :many
-- The current slugs of entities and stories by id (gone ones are absent): a write that
-- learnt its neighbours before it committed looks up where their pages are now.
SELECT
    'ghost' AS "kind!",
    g.id,
    g.slug
FROM ghost_entities AS g
WHERE g.id = any(@ghost_ids::uuid[])
UNION ALL
SELECT
    'story' AS kind,
    s.id,
    s.slug
FROM stories AS s
WHERE s.id = any(@story_ids::uuid[]);

-- name: ListStorySlugsCommentedByUser :many
-- The stories a user has commented on: their threads show the user's display name.
SELECT DISTINCT s.slug
FROM comments AS c
INNER JOIN stories AS s ON c.story_id = s.id
WHERE c.user_id = @user_id;

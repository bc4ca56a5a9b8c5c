-- Removes exactly the demo dataset loaded by db/seeds/demo.sql, and nothing else that
-- carries its own id: every seed row id starts with 5eed000X- (see demo.sql). Children
-- go first so no foreign key is ever left dangling. Run it in one transaction, as the
-- loader does.
--
-- Note: the foreign keys cascade, so rows that other people attached to seed rows after
-- loading (a session of a demo user, a comment on a demo story, ...) go with them.

DELETE FROM interactions
WHERE id::text LIKE '5eed0008-%';

DELETE FROM reading_progress
WHERE id::text LIKE '5eed0007-%';

DELETE FROM bookmarks
WHERE id::text LIKE '5eed0006-%';

-- Replies first, then the comments they answer.
DELETE FROM comments
WHERE id::text LIKE '5eed0005-%' AND parent_id IS NOT NULL;

DELETE FROM comments
WHERE id::text LIKE '5eed0005-%';

DELETE FROM media
WHERE id::text LIKE '5eed000a-%';

DELETE FROM ghost_entity_relationships
WHERE id::text LIKE '5eed0004-%';

DELETE FROM story_ghost_entities
WHERE story_id::text LIKE '5eed0003-%';

DELETE FROM preference_profiles
WHERE id::text LIKE '5eed0009-%';

DELETE FROM feature_flags
WHERE id::text LIKE '5eed000b-%';

DELETE FROM stories
WHERE id::text LIKE '5eed0003-%';

DELETE FROM ghost_entities
WHERE id::text LIKE '5eed0002-%';

DELETE FROM users
WHERE id::text LIKE '5eed0001-%';

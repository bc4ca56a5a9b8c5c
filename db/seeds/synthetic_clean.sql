-- Removes the synthetic data that `python -m service seed --synthetic N` generated, and
-- nothing else: synthetic rows are marked by their slugs (`synthetic-<run>-...`), usernames
-- (`synthetic_<run>_<n>`) and emails (`...@synthetic.ghostypedia.test`). Children go with
-- their parents through the cascading foreign keys; interactions of synthetic users on other
-- content would only lose their user (SET NULL), so they go first, explicitly.

DELETE FROM interactions
WHERE user_id IN (
    SELECT id FROM users
    WHERE username LIKE 'synthetic\_%' AND email LIKE '%@synthetic.ghostypedia.test'
);

DELETE FROM stories
WHERE slug LIKE 'synthetic-%';

DELETE FROM ghost_entities
WHERE slug LIKE 'synthetic-%';

DELETE FROM users
WHERE username LIKE 'synthetic\_%' AND email LIKE '%@synthetic.ghostypedia.test';

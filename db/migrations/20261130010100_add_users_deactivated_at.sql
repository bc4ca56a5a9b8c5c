-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Set by an admin's deactivation (which revokes every session at once); a deactivated
-- account cannot sign in and its sessions are not accepted. NULL: active.
ALTER TABLE users ADD COLUMN deactivated_at timestamptz NULL;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE users DROP COLUMN deactivated_at;

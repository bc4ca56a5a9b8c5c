-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Who did what to what, written in the transaction of the action itself (service/domain/
-- audit.py), so an action and its record commit or roll back together. The service never
-- updates a row (updated_at is there by the schema rules); the retention job deletes those
-- older than RETENTION_AUDIT_DAYS.
-- actor_id is NULL for a failed sign-in with an unknown login, and once the actor's account
-- is deleted (the record stays).
CREATE TABLE audit_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    actor_id uuid NULL,
    action text NOT NULL, -- noqa: RF04
    target_type text NOT NULL,
    target_id uuid NULL,
    ip inet NULL,
    details jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_events_actor_id_fkey FOREIGN KEY (actor_id)
    REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT audit_events_action_check CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    CONSTRAINT audit_events_target_type_check CHECK (
        target_type IN ('user', 'session', 'ghost', 'story', 'comment', 'flag', 'media')
    ),
    CONSTRAINT audit_events_details_check CHECK (jsonb_typeof(details) = 'object')
);

-- The admin list: newest first, unfiltered or by actor, action or target (and a time range).
CREATE INDEX audit_events_created_at_idx ON audit_events (created_at DESC, id DESC);

CREATE INDEX audit_events_actor_id_idx ON audit_events (actor_id, created_at DESC, id DESC);

CREATE INDEX audit_events_action_idx ON audit_events (action, created_at DESC, id DESC);

CREATE INDEX audit_events_target_idx ON audit_events (
    target_type, target_id, created_at DESC, id DESC
);

CREATE TRIGGER audit_events_set_updated_at
BEFORE UPDATE ON audit_events
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE audit_events;

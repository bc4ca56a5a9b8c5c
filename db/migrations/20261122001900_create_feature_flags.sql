-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE feature_flags (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key text NOT NULL, -- noqa: RF04
    enabled boolean NOT NULL DEFAULT FALSE,
    -- 0..100 (CHECK below): a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-smallint
    rollout_percent smallint NOT NULL DEFAULT 100,
    description text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT feature_flags_key_key UNIQUE (key),
    CONSTRAINT feature_flags_key_check CHECK (key ~ '^[a-z][a-z0-9_.-]{0,63}$'),
    CONSTRAINT feature_flags_rollout_percent_check CHECK (rollout_percent BETWEEN 0 AND 100)
);

CREATE TRIGGER feature_flags_set_updated_at
BEFORE UPDATE ON feature_flags
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE feature_flags;

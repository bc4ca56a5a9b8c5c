-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE jobs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'queued',
    -- Bounded to -100..100 (CHECK below): a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-smallint
    priority smallint NOT NULL DEFAULT 0,
    -- retry counter, capped by max_attempts: a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-int
    attempts integer NOT NULL DEFAULT 0,
    -- 1..100 (CHECK below): a wider type buys nothing.
    -- squawk-ignore prefer-bigint-over-int
    max_attempts integer NOT NULL DEFAULT 5,
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_at timestamptz NULL,
    locked_by text NULL,
    last_error text NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jobs_kind_check CHECK (kind ~ '^[a-z][a-z0-9_.]*$'),
    CONSTRAINT jobs_payload_check CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT jobs_status_check CHECK (
        status IN ('queued', 'running', 'succeeded', 'failed', 'dead')
    ),
    CONSTRAINT jobs_priority_check CHECK (priority BETWEEN -100 AND 100),
    CONSTRAINT jobs_attempts_check CHECK (attempts >= 0),
    CONSTRAINT jobs_max_attempts_check CHECK (max_attempts BETWEEN 1 AND 100)
);

-- Dequeue order: highest priority first, then earliest run_at.
CREATE INDEX jobs_queued_idx ON jobs (priority DESC, run_at, id)
WHERE status = 'queued';

-- Finds stale locks held by crashed workers.
CREATE INDEX jobs_running_locked_at_idx ON jobs (locked_at)
WHERE status = 'running';

CREATE TRIGGER jobs_set_updated_at
BEFORE UPDATE ON jobs
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE jobs;

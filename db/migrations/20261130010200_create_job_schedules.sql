-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Periodic jobs: each row queues one job of `kind` every `run_every`. Job workers write the
-- rows of the schedules they know at start (service/jobs/schedules.py; the retention jobs'
-- intervals are settings) and, on every sweep, claim the due rows with one UPDATE that moves
-- next_run_at forward under SKIP LOCKED and queues their jobs in the same statement: however
-- many workers sweep at once, each due run is queued exactly once.
CREATE TABLE job_schedules (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL, -- noqa: RF04
    kind text NOT NULL,
    run_every interval NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    next_run_at timestamptz NOT NULL DEFAULT now(),
    last_run_at timestamptz NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT job_schedules_name_key UNIQUE (name),
    CONSTRAINT job_schedules_name_check CHECK (name ~ '^[a-z][a-z0-9_.]{0,63}$'),
    CONSTRAINT job_schedules_kind_check CHECK (kind ~ '^[a-z][a-z0-9_.]*$'),
    CONSTRAINT job_schedules_run_every_check CHECK (run_every >= interval '1 second'),
    CONSTRAINT job_schedules_payload_check CHECK (jsonb_typeof(payload) = 'object')
);

CREATE INDEX job_schedules_next_run_at_idx ON job_schedules (next_run_at);

CREATE TRIGGER job_schedules_set_updated_at
BEFORE UPDATE ON job_schedules
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE job_schedules;

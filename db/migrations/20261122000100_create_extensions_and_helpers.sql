-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Shared BEFORE UPDATE trigger function: keeps updated_at current on every table.
CREATE FUNCTION set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$;

-- array_to_string() is only STABLE; generated columns need an IMMUTABLE wrapper.
CREATE FUNCTION immutable_array_to_string(text[])
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
    SELECT array_to_string($1, ' ')
$$;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP FUNCTION immutable_array_to_string(text[]);

DROP FUNCTION set_updated_at();

DROP EXTENSION pg_trgm;

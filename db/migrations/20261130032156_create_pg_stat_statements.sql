-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- The pg_stat_statements view, read by `python -m service queries top` (queries/insight.sql).
-- Creating it needs a superuser (or a managed service's admin role). It counts statements only
-- where the server preloads the library (shared_preload_libraries=pg_stat_statements, as the
-- embedded server does); elsewhere the view exists, the service runs as usual, and reading the
-- view is an error that `queries top` reports in one line.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP EXTENSION pg_stat_statements;

-- name: TopStatements :many
-- The statements PostgreSQL spent most time on, from pg_stat_statements (`queries top`).
-- A generated statement's first token is followed by `/* QueryName queries/<file>.sql:<line> */`,
-- so its rows (one per database and role) add up under that comment, wherever the kept text
-- has it (the first text seen may be the start-up check's PREPARE). Other statements (each its
-- own text) only with @all_statements; this database's only, unless @all_databases.
-- @order_by: total, mean or calls.
WITH statements AS (
    SELECT
        s.query,
        s.calls,
        s.total_exec_time,
        s.rows,
        substring(s.query FROM '/\* (\S+ \S+:\d+) \*/') AS source_comment
    FROM pg_stat_statements AS s
    WHERE
        s.calls > 0
        AND (
            @all_databases::boolean
            OR s.dbid = (
                SELECT d.oid FROM pg_database AS d
                WHERE d.datname = current_database()
            )
        )
)

SELECT
    coalesce(st.source_comment, st.query, '') AS "statement!",
    sum(st.calls)::bigint AS "calls!",
    sum(st.total_exec_time) AS "total_ms!",
    sum(st.total_exec_time) / sum(st.calls) AS "mean_ms!",
    sum(st.rows)::bigint AS "rows!"
FROM statements AS st
WHERE st.source_comment IS NOT NULL OR @all_statements::boolean
GROUP BY "statement!"
ORDER BY
    CASE @order_by::text
        WHEN 'calls' THEN sum(st.calls)::double precision
        WHEN 'mean' THEN sum(st.total_exec_time) / sum(st.calls)
        ELSE sum(st.total_exec_time)
    END DESC,
    "statement!"
LIMIT @max_rows;

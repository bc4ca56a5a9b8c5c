-- Feature flags: rows DBAs edit in SQL; clients read the enabled ones (GET /v1/flags).

-- name: ListEnabledFeatureFlags :many
-- The enabled flags by key, each with the share of users (0 to 100) it is rolled out to.
SELECT
    f.key,
    f.rollout_percent,
    f.description
FROM feature_flags AS f
WHERE f.enabled
ORDER BY f.key ASC;

-- migrate:up transaction:false
-- Nearest entities by cosine distance (`<=>`; the embeddings are unit length) for semantic
-- and hybrid search and for "similar entities". HNSW rather than IVFFlat: no training step,
-- so it can be built on an empty table and stays good as rows arrive; m and ef_construction
-- are pgvector's defaults. A scan returns at most hnsw.ef_search (40 by default) rows, which
-- is why the search queries take at most that many vector candidates per kind.
-- No SET before it, and one index per file: dbmate sends a section as one query string,
-- which PostgreSQL runs as a transaction, where CONCURRENTLY is refused.
-- squawk-ignore require-lock-timeout, require-statement-timeout
CREATE INDEX CONCURRENTLY IF NOT EXISTS ghost_embeddings_embedding_idx
ON ghost_embeddings USING hnsw (embedding vector_cosine_ops);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS ghost_embeddings_embedding_idx;

-- migrate:up transaction:false
-- Nearest stories by cosine distance, as ghost_embeddings_embedding_idx is for entities.
-- squawk-ignore require-lock-timeout, require-statement-timeout
CREATE INDEX CONCURRENTLY IF NOT EXISTS story_embeddings_embedding_idx
ON story_embeddings USING hnsw (embedding vector_cosine_ops);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS story_embeddings_embedding_idx;

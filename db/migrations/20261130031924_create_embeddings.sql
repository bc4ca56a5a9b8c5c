-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- pgvector: the embedded PostgreSQL 18 ships it; a server without it cannot run this
-- migration (see the README: pgvector is required).
CREATE EXTENSION IF NOT EXISTS vector;

-- Sentence embeddings (all-MiniLM-L6-v2, 384 dimensions, unit length) computed by the
-- embed.* jobs (service/domain/embeddings.py), never on a write's request path. Tables beside
-- the content rather than columns on it: writing an embedding does not touch the content
-- row (its updated_at, its ETag). content_hash is the SHA-256 of the model name and the text
-- embedded, so an edit that leaves the text alone costs no inference. A row without an
-- embedding is still found by keyword search.
CREATE TABLE ghost_embeddings (
    ghost_entity_id uuid PRIMARY KEY,
    content_hash bytea NOT NULL,
    embedding vector(384) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ghost_embeddings_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT ghost_embeddings_content_hash_check CHECK (octet_length(content_hash) = 32)
);

CREATE TRIGGER ghost_embeddings_set_updated_at
BEFORE UPDATE ON ghost_embeddings
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE story_embeddings (
    story_id uuid PRIMARY KEY,
    content_hash bytea NOT NULL,
    embedding vector(384) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT story_embeddings_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT story_embeddings_content_hash_check CHECK (octet_length(content_hash) = 32)
);

CREATE TRIGGER story_embeddings_set_updated_at
BEFORE UPDATE ON story_embeddings
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Passages: an entity's description and a story's body cut into chunks of a few sentences,
-- each with its embedding, so the digital twin (and search) can quote the right paragraph.
-- Exactly one owner; position is the chunk's place in the owner's text, from 0.
CREATE TABLE passages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ghost_entity_id uuid NULL,
    story_id uuid NULL,
    -- squawk-ignore prefer-bigint-over-smallint
    position smallint NOT NULL, -- noqa: RF04
    body text NOT NULL,
    content_hash bytea NOT NULL,
    embedding vector(384) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT passages_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT passages_story_id_fkey FOREIGN KEY (story_id)
    REFERENCES stories (id) ON DELETE CASCADE,
    CONSTRAINT passages_owner_check CHECK (num_nonnulls(ghost_entity_id, story_id) = 1),
    CONSTRAINT passages_position_check CHECK (position >= 0),
    CONSTRAINT passages_body_check CHECK (body <> ''),
    CONSTRAINT passages_content_hash_check CHECK (octet_length(content_hash) = 32),
    -- also the indexes behind the foreign keys and the per-owner reads
    CONSTRAINT passages_ghost_entity_id_position_key UNIQUE (ghost_entity_id, position),
    CONSTRAINT passages_story_id_position_key UNIQUE (story_id, position)
);

CREATE TRIGGER passages_set_updated_at
BEFORE UPDATE ON passages
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE passages;

DROP TABLE story_embeddings;

DROP TABLE ghost_embeddings;

DROP EXTENSION vector;

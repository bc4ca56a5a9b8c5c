-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE conversation_messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    ghost_entity_id uuid NOT NULL,
    role text NOT NULL, -- noqa: RF04
    body text NOT NULL,
    citations jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversation_messages_user_id_fkey FOREIGN KEY (user_id)
    REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT conversation_messages_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT conversation_messages_role_check CHECK (role IN ('user', 'ghost')),
    CONSTRAINT conversation_messages_body_check CHECK (char_length(body) BETWEEN 1 AND 8000),
    CONSTRAINT conversation_messages_citations_check CHECK (jsonb_typeof(citations) = 'array')
);

CREATE INDEX conversation_messages_thread_idx
ON conversation_messages (user_id, ghost_entity_id, created_at DESC, id DESC);

-- Supports the ON DELETE CASCADE from ghost_entities.
CREATE INDEX conversation_messages_ghost_entity_id_idx
ON conversation_messages (ghost_entity_id);

CREATE TRIGGER conversation_messages_set_updated_at
BEFORE UPDATE ON conversation_messages
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE conversation_messages;

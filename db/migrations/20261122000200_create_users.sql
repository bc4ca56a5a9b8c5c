-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    username text NOT NULL,
    display_name text NOT NULL,
    password_hash text NOT NULL,
    role text NOT NULL DEFAULT 'reader', -- noqa: RF04
    tier text NOT NULL DEFAULT 'free',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_email_check CHECK (
        char_length(email) <= 254
        AND email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
    ),
    CONSTRAINT users_username_check CHECK (username ~ '^[a-z0-9_]{3,32}$'),
    CONSTRAINT users_display_name_check CHECK (char_length(display_name) BETWEEN 1 AND 80),
    CONSTRAINT users_role_check CHECK (role IN ('reader', 'editor', 'admin')),
    CONSTRAINT users_tier_check CHECK (tier IN ('free', 'premium', 'pro'))
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TRIGGER users_set_updated_at
BEFORE UPDATE ON users
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE users;

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Validated apart from their creation, which took only a brief lock (NOT VALID): this scan
-- holds a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes go on.
ALTER TABLE media VALIDATE CONSTRAINT media_sha256_check;

ALTER TABLE media VALIDATE CONSTRAINT media_source_check;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Back to the constraints as the previous migration left them: not validated.
ALTER TABLE media DROP CONSTRAINT media_source_check;

ALTER TABLE media DROP CONSTRAINT media_sha256_check;

ALTER TABLE media ADD CONSTRAINT media_sha256_check CHECK (
    octet_length(sha256) = 32
) NOT VALID;

ALTER TABLE media ADD CONSTRAINT media_source_check CHECK (
    num_nonnulls(url, sha256) = 1
) NOT VALID;

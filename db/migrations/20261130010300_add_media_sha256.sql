-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Uploaded media are stored by content (service/domain/media.py: DATA_DIR/media, by SHA-256)
-- rather than at an external URL: a row has either a url or the digest of its stored file.
-- Two rows with the same content share one file, removed once no row refers to it.
ALTER TABLE media ADD COLUMN sha256 bytea NULL;

-- No client reads media rows yet (the media API starts with this change), so none relies
-- on url being set.
-- squawk-ignore ban-drop-not-null
ALTER TABLE media ALTER COLUMN url DROP NOT NULL;

ALTER TABLE media ADD CONSTRAINT media_sha256_check CHECK (
    octet_length(sha256) = 32
) NOT VALID;

ALTER TABLE media ADD CONSTRAINT media_source_check CHECK (
    num_nonnulls(url, sha256) = 1
) NOT VALID;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE media DROP CONSTRAINT media_source_check;

ALTER TABLE media DROP CONSTRAINT media_sha256_check;

ALTER TABLE media ALTER COLUMN url SET NOT NULL;

ALTER TABLE media DROP COLUMN sha256;

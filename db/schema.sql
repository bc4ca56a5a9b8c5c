\restrict dbmate

-- Dumped from database version 18.6
-- Dumped by pg_dump version 18.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: pg_stat_statements; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA public;


--
-- Name: EXTENSION pg_stat_statements; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_stat_statements IS 'track planning and execution statistics of all SQL statements executed';


--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;


--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';


--
-- Name: vector; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;


--
-- Name: EXTENSION vector; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION vector IS 'vector data type and ivfflat and hnsw access methods';


--
-- Name: count_bookmarks(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.count_bookmarks() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO content_statistics_deltas (ghost_entity_id, story_id, bookmark_count)
        SELECT n.ghost_entity_id, n.story_id, count(*)
        FROM new_rows AS n
        GROUP BY n.ghost_entity_id, n.story_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO content_statistics_deltas (ghost_entity_id, story_id, bookmark_count)
        SELECT o.ghost_entity_id, o.story_id, -count(*)
        FROM old_rows AS o
        WHERE
            EXISTS (SELECT FROM ghost_entities AS g WHERE g.id = o.ghost_entity_id)
            OR EXISTS (SELECT FROM stories AS s WHERE s.id = o.story_id)
        GROUP BY o.ghost_entity_id, o.story_id;
    ELSE
        INSERT INTO content_statistics_deltas (ghost_entity_id, story_id, bookmark_count)
        SELECT u.ghost_entity_id, u.story_id, sum(u.sign)
        FROM (
            SELECT n.ghost_entity_id, n.story_id, 1 AS sign FROM new_rows AS n
            UNION ALL
            SELECT o.ghost_entity_id, o.story_id, -1 AS sign FROM old_rows AS o
        ) AS u
        GROUP BY u.ghost_entity_id, u.story_id
        HAVING sum(u.sign) <> 0;
    END IF;
    IF FOUND THEN
        PERFORM note_statistics_change();
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: count_comments(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.count_comments() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO content_statistics_deltas (story_id, comment_count)
        SELECT n.story_id, count(*)
        FROM new_rows AS n
        WHERE n.deleted_at IS NULL
        GROUP BY n.story_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO content_statistics_deltas (story_id, comment_count)
        SELECT o.story_id, -count(*)
        FROM old_rows AS o
        WHERE
            o.deleted_at IS NULL
            AND EXISTS (SELECT FROM stories AS s WHERE s.id = o.story_id)
        GROUP BY o.story_id;
    ELSE
        INSERT INTO content_statistics_deltas (story_id, comment_count)
        SELECT u.story_id, sum(u.sign)
        FROM (
            SELECT n.story_id, 1 AS sign FROM new_rows AS n WHERE n.deleted_at IS NULL
            UNION ALL
            SELECT o.story_id, -1 AS sign FROM old_rows AS o WHERE o.deleted_at IS NULL
        ) AS u
        GROUP BY u.story_id
        HAVING sum(u.sign) <> 0;
    END IF;
    IF FOUND THEN
        PERFORM note_statistics_change();
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: count_interactions(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.count_interactions() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO content_statistics_deltas (
            ghost_entity_id, story_id, view_count, like_count, share_count, read_count
        )
        SELECT
            n.ghost_entity_id,
            n.story_id,
            count(*) FILTER (WHERE n.kind = 'view'),
            count(*) FILTER (WHERE n.kind = 'like'),
            count(*) FILTER (WHERE n.kind = 'share'),
            count(*) FILTER (WHERE n.kind = 'read')
        FROM new_rows AS n
        GROUP BY n.ghost_entity_id, n.story_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO content_statistics_deltas (
            ghost_entity_id, story_id, view_count, like_count, share_count, read_count
        )
        SELECT
            o.ghost_entity_id,
            o.story_id,
            -count(*) FILTER (WHERE o.kind = 'view'),
            -count(*) FILTER (WHERE o.kind = 'like'),
            -count(*) FILTER (WHERE o.kind = 'share'),
            -count(*) FILTER (WHERE o.kind = 'read')
        FROM old_rows AS o
        WHERE
            EXISTS (SELECT FROM ghost_entities AS g WHERE g.id = o.ghost_entity_id)
            OR EXISTS (SELECT FROM stories AS s WHERE s.id = o.story_id)
        GROUP BY o.ghost_entity_id, o.story_id;
    ELSE
        INSERT INTO content_statistics_deltas (
            ghost_entity_id, story_id, view_count, like_count, share_count, read_count
        )
        SELECT c.ghost_entity_id, c.story_id, c.views, c.likes, c.shares, c.reads
        FROM (
            SELECT
                u.ghost_entity_id,
                u.story_id,
                coalesce(sum(u.sign) FILTER (WHERE u.kind = 'view'), 0) AS views,
                coalesce(sum(u.sign) FILTER (WHERE u.kind = 'like'), 0) AS likes,
                coalesce(sum(u.sign) FILTER (WHERE u.kind = 'share'), 0) AS shares,
                coalesce(sum(u.sign) FILTER (WHERE u.kind = 'read'), 0) AS reads
            FROM (
                SELECT n.ghost_entity_id, n.story_id, n.kind, 1 AS sign FROM new_rows AS n
                UNION ALL
                SELECT o.ghost_entity_id, o.story_id, o.kind, -1 AS sign FROM old_rows AS o
            ) AS u
            GROUP BY u.ghost_entity_id, u.story_id
        ) AS c
        -- Most updates (a user deleted: user_id set to NULL) change no counter.
        WHERE (c.views, c.likes, c.shares, c.reads) <> (0, 0, 0, 0);
    END IF;
    IF FOUND THEN
        PERFORM note_statistics_change();
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: immutable_array_to_string(text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.immutable_array_to_string(text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
    SELECT array_to_string($1, ' ')
$_$;


--
-- Name: note_statistics_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.note_statistics_change() RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('content_statistics_deltas', 0));
    PERFORM queue_statistics_rollup(interval '0');
END;
$$;


--
-- Name: queue_statistics_rollup(interval); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.queue_statistics_rollup(delay interval) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM jobs WHERE kind = 'statistics.rollup' AND status = 'queued'
    ) THEN
        INSERT INTO jobs (kind, run_at) VALUES ('statistics.rollup', now() + delay);
        PERFORM pg_notify('jobs', 'statistics.rollup');
    END IF;
END;
$$;


--
-- Name: set_updated_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    actor_id uuid,
    action text NOT NULL,
    target_type text NOT NULL,
    target_id uuid,
    ip inet,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT audit_events_action_check CHECK ((action ~ '^[a-z_]+(\.[a-z_]+)+$'::text)),
    CONSTRAINT audit_events_details_check CHECK ((jsonb_typeof(details) = 'object'::text)),
    CONSTRAINT audit_events_target_type_check CHECK ((target_type = ANY (ARRAY['user'::text, 'session'::text, 'ghost'::text, 'story'::text, 'comment'::text, 'flag'::text, 'media'::text])))
);


--
-- Name: bookmarks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bookmarks (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    ghost_entity_id uuid,
    story_id uuid,
    content_type text GENERATED ALWAYS AS (
CASE
    WHEN (ghost_entity_id IS NOT NULL) THEN 'ghost'::text
    ELSE 'story'::text
END) STORED,
    note text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT bookmarks_note_check CHECK ((char_length(note) <= 1000)),
    CONSTRAINT bookmarks_one_target_check CHECK ((num_nonnulls(ghost_entity_id, story_id) = 1))
);


--
-- Name: comments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.comments (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    story_id uuid NOT NULL,
    user_id uuid,
    parent_id uuid,
    body text NOT NULL,
    deleted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT comments_body_check CHECK (((char_length(body) >= 1) AND (char_length(body) <= 5000))),
    CONSTRAINT comments_parent_id_check CHECK ((parent_id <> id))
);


--
-- Name: content_statistics; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.content_statistics (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    ghost_entity_id uuid,
    story_id uuid,
    view_count bigint DEFAULT 0 NOT NULL,
    like_count bigint DEFAULT 0 NOT NULL,
    share_count bigint DEFAULT 0 NOT NULL,
    read_count bigint DEFAULT 0 NOT NULL,
    bookmark_count bigint DEFAULT 0 NOT NULL,
    comment_count bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT content_statistics_bookmark_count_check CHECK ((bookmark_count >= 0)),
    CONSTRAINT content_statistics_comment_count_check CHECK ((comment_count >= 0)),
    CONSTRAINT content_statistics_like_count_check CHECK ((like_count >= 0)),
    CONSTRAINT content_statistics_one_target_check CHECK ((num_nonnulls(ghost_entity_id, story_id) = 1)),
    CONSTRAINT content_statistics_read_count_check CHECK ((read_count >= 0)),
    CONSTRAINT content_statistics_share_count_check CHECK ((share_count >= 0)),
    CONSTRAINT content_statistics_view_count_check CHECK ((view_count >= 0))
);


--
-- Name: content_statistics_deltas; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.content_statistics_deltas (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    ghost_entity_id uuid,
    story_id uuid,
    view_count bigint DEFAULT 0 NOT NULL,
    like_count bigint DEFAULT 0 NOT NULL,
    share_count bigint DEFAULT 0 NOT NULL,
    read_count bigint DEFAULT 0 NOT NULL,
    bookmark_count bigint DEFAULT 0 NOT NULL,
    comment_count bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT content_statistics_deltas_one_target_check CHECK ((num_nonnulls(ghost_entity_id, story_id) = 1))
);


--
-- Name: conversation_messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.conversation_messages (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    ghost_entity_id uuid NOT NULL,
    role text NOT NULL,
    body text NOT NULL,
    citations jsonb DEFAULT '[]'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT conversation_messages_body_check CHECK (((char_length(body) >= 1) AND (char_length(body) <= 8000))),
    CONSTRAINT conversation_messages_citations_check CHECK ((jsonb_typeof(citations) = 'array'::text)),
    CONSTRAINT conversation_messages_role_check CHECK ((role = ANY (ARRAY['user'::text, 'ghost'::text])))
);


--
-- Name: feature_flags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.feature_flags (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    key text NOT NULL,
    enabled boolean DEFAULT false NOT NULL,
    rollout_percent smallint DEFAULT 100 NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT feature_flags_key_check CHECK ((key ~ '^[a-z][a-z0-9_.-]{0,63}$'::text)),
    CONSTRAINT feature_flags_rollout_percent_check CHECK (((rollout_percent >= 0) AND (rollout_percent <= 100)))
);


--
-- Name: ghost_embeddings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ghost_embeddings (
    ghost_entity_id uuid NOT NULL,
    content_hash bytea NOT NULL,
    embedding public.vector(384) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT ghost_embeddings_content_hash_check CHECK ((octet_length(content_hash) = 32))
);


--
-- Name: ghost_entities; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ghost_entities (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    entity_type text NOT NULL,
    origin text,
    location text,
    era text,
    description text DEFAULT ''::text NOT NULL,
    danger_level smallint NOT NULL,
    characteristics text[] DEFAULT '{}'::text[] NOT NULL,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    status text DEFAULT 'draft'::text NOT NULL,
    published_at timestamp with time zone,
    author_id uuid,
    search_vector tsvector GENERATED ALWAYS AS ((((setweight(to_tsvector('english'::regconfig, name), 'A'::"char") || setweight(to_tsvector('english'::regconfig, ((public.immutable_array_to_string(tags) || ' '::text) || public.immutable_array_to_string(characteristics))), 'B'::"char")) || setweight(to_tsvector('english'::regconfig, ((((COALESCE(origin, ''::text) || ' '::text) || COALESCE(location, ''::text)) || ' '::text) || COALESCE(era, ''::text))), 'C'::"char")) || setweight(to_tsvector('english'::regconfig, description), 'D'::"char"))) STORED,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT ghost_entities_danger_level_check CHECK (((danger_level >= 1) AND (danger_level <= 5))),
    CONSTRAINT ghost_entities_entity_type_check CHECK ((entity_type = ANY (ARRAY['apparition'::text, 'poltergeist'::text, 'demon'::text, 'spirit'::text, 'revenant'::text, 'banshee'::text, 'wraith'::text, 'shapeshifter'::text, 'cryptid'::text, 'folk_spirit'::text, 'other'::text]))),
    CONSTRAINT ghost_entities_name_check CHECK (((char_length(name) >= 1) AND (char_length(name) <= 200))),
    CONSTRAINT ghost_entities_published_at_check CHECK (((status <> 'published'::text) OR (published_at IS NOT NULL))),
    CONSTRAINT ghost_entities_slug_check CHECK (((char_length(slug) <= 120) AND (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text))),
    CONSTRAINT ghost_entities_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'published'::text]))),
    CONSTRAINT ghost_entities_tags_check CHECK (((cardinality(tags) <= 32) AND ((cardinality(tags) = 0) OR ((string_to_array(public.immutable_array_to_string(tags), ' '::text) = tags) AND (public.immutable_array_to_string(tags) ~ '^[a-z0-9]+(-[a-z0-9]+)*( [a-z0-9]+(-[a-z0-9]+)*)*$'::text)))))
);


--
-- Name: ghost_entity_relationships; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ghost_entity_relationships (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    source_id uuid NOT NULL,
    target_id uuid NOT NULL,
    relationship_type text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT ghost_entity_relationships_no_self_check CHECK ((source_id <> target_id)),
    CONSTRAINT ghost_entity_relationships_relationship_type_check CHECK ((relationship_type = ANY (ARRAY['related'::text, 'variant_of'::text, 'manifestation_of'::text, 'ally_of'::text, 'enemy_of'::text, 'same_legend'::text, 'inspired_by'::text])))
);


--
-- Name: interactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.interactions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid,
    ghost_entity_id uuid,
    story_id uuid,
    kind text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT interactions_kind_check CHECK ((kind = ANY (ARRAY['view'::text, 'like'::text, 'share'::text, 'read'::text]))),
    CONSTRAINT interactions_one_target_check CHECK ((num_nonnulls(ghost_entity_id, story_id) = 1))
);


--
-- Name: job_schedules; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.job_schedules (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    run_every interval NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    next_run_at timestamp with time zone DEFAULT now() NOT NULL,
    last_run_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT job_schedules_kind_check CHECK ((kind ~ '^[a-z][a-z0-9_.]*$'::text)),
    CONSTRAINT job_schedules_name_check CHECK ((name ~ '^[a-z][a-z0-9_.]{0,63}$'::text)),
    CONSTRAINT job_schedules_payload_check CHECK ((jsonb_typeof(payload) = 'object'::text)),
    CONSTRAINT job_schedules_run_every_check CHECK ((run_every >= '00:00:01'::interval))
);


--
-- Name: jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.jobs (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    kind text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    status text DEFAULT 'queued'::text NOT NULL,
    priority smallint DEFAULT 0 NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 5 NOT NULL,
    run_at timestamp with time zone DEFAULT now() NOT NULL,
    locked_at timestamp with time zone,
    locked_by text,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT jobs_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT jobs_kind_check CHECK ((kind ~ '^[a-z][a-z0-9_.]*$'::text)),
    CONSTRAINT jobs_max_attempts_check CHECK (((max_attempts >= 1) AND (max_attempts <= 100))),
    CONSTRAINT jobs_payload_check CHECK ((jsonb_typeof(payload) = 'object'::text)),
    CONSTRAINT jobs_priority_check CHECK (((priority >= '-100'::integer) AND (priority <= 100))),
    CONSTRAINT jobs_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'running'::text, 'succeeded'::text, 'failed'::text, 'dead'::text])))
);


--
-- Name: media; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.media (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    ghost_entity_id uuid,
    story_id uuid,
    url text,
    mime_type text NOT NULL,
    size_bytes bigint NOT NULL,
    width integer,
    height integer,
    alt_text text DEFAULT ''::text NOT NULL,
    "position" smallint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    sha256 bytea,
    CONSTRAINT media_alt_text_check CHECK ((char_length(alt_text) <= 500)),
    CONSTRAINT media_height_check CHECK ((height > 0)),
    CONSTRAINT media_mime_type_check CHECK ((mime_type ~ '^(image|video|audio)/[a-z0-9.+-]+$'::text)),
    CONSTRAINT media_one_target_check CHECK ((num_nonnulls(ghost_entity_id, story_id) = 1)),
    CONSTRAINT media_position_check CHECK (("position" >= 0)),
    CONSTRAINT media_sha256_check CHECK ((octet_length(sha256) = 32)),
    CONSTRAINT media_size_bytes_check CHECK ((size_bytes >= 0)),
    CONSTRAINT media_source_check CHECK ((num_nonnulls(url, sha256) = 1)),
    CONSTRAINT media_url_check CHECK (((char_length(url) <= 2048) AND (url ~ '^https?://'::text))),
    CONSTRAINT media_width_check CHECK ((width > 0))
);


--
-- Name: passages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.passages (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    ghost_entity_id uuid,
    story_id uuid,
    "position" smallint NOT NULL,
    body text NOT NULL,
    content_hash bytea NOT NULL,
    embedding public.vector(384) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT passages_body_check CHECK ((body <> ''::text)),
    CONSTRAINT passages_content_hash_check CHECK ((octet_length(content_hash) = 32)),
    CONSTRAINT passages_owner_check CHECK ((num_nonnulls(ghost_entity_id, story_id) = 1)),
    CONSTRAINT passages_position_check CHECK (("position" >= 0))
);


--
-- Name: preference_profiles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.preference_profiles (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    favorite_entity_types text[] DEFAULT '{}'::text[] NOT NULL,
    favorite_tags text[] DEFAULT '{}'::text[] NOT NULL,
    min_danger smallint DEFAULT 1 NOT NULL,
    max_danger smallint DEFAULT 5 NOT NULL,
    show_spoilers boolean DEFAULT false NOT NULL,
    email_digest boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT preference_profiles_danger_range_check CHECK ((min_danger <= max_danger)),
    CONSTRAINT preference_profiles_favorite_entity_types_check CHECK ((favorite_entity_types <@ ARRAY['apparition'::text, 'poltergeist'::text, 'demon'::text, 'spirit'::text, 'revenant'::text, 'banshee'::text, 'wraith'::text, 'shapeshifter'::text, 'cryptid'::text, 'folk_spirit'::text, 'other'::text])),
    CONSTRAINT preference_profiles_favorite_tags_check CHECK ((cardinality(favorite_tags) <= 32)),
    CONSTRAINT preference_profiles_max_danger_check CHECK (((max_danger >= 1) AND (max_danger <= 5))),
    CONSTRAINT preference_profiles_min_danger_check CHECK (((min_danger >= 1) AND (min_danger <= 5)))
);


--
-- Name: reading_progress; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reading_progress (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    story_id uuid NOT NULL,
    percent smallint DEFAULT 0 NOT NULL,
    "position" integer DEFAULT 0 NOT NULL,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT reading_progress_completed_at_check CHECK (((completed_at IS NULL) OR (percent = 100))),
    CONSTRAINT reading_progress_percent_check CHECK (((percent >= 0) AND (percent <= 100))),
    CONSTRAINT reading_progress_position_check CHECK (("position" >= 0))
);


--
-- Name: recommendation_feedback; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recommendation_feedback (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    recommendation_id uuid,
    ghost_entity_id uuid,
    story_id uuid,
    feedback text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT recommendation_feedback_feedback_check CHECK ((feedback = ANY (ARRAY['helpful'::text, 'not_helpful'::text, 'dismissed'::text]))),
    CONSTRAINT recommendation_feedback_one_target_check CHECK ((num_nonnulls(ghost_entity_id, story_id) = 1))
);


--
-- Name: recommendations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recommendations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    ghost_entity_id uuid,
    story_id uuid,
    score double precision NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    algorithm text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT recommendations_algorithm_check CHECK ((algorithm = ANY (ARRAY['content'::text, 'collaborative'::text, 'popular'::text, 'hybrid'::text]))),
    CONSTRAINT recommendations_one_target_check CHECK ((num_nonnulls(ghost_entity_id, story_id) = 1)),
    CONSTRAINT recommendations_reason_check CHECK ((char_length(reason) <= 500)),
    CONSTRAINT recommendations_score_check CHECK (((score >= (0)::double precision) AND (score < 'Infinity'::double precision)))
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version character varying NOT NULL
);


--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    idle_expires_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    ip inet,
    user_agent text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sessions_token_hash_check CHECK ((octet_length(token_hash) = 32)),
    CONSTRAINT sessions_user_agent_check CHECK ((char_length(user_agent) <= 512))
);


--
-- Name: stories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stories (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    slug text NOT NULL,
    title text NOT NULL,
    summary text DEFAULT ''::text NOT NULL,
    body text DEFAULT ''::text NOT NULL,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    reading_minutes smallint DEFAULT 1 NOT NULL,
    status text DEFAULT 'draft'::text NOT NULL,
    published_at timestamp with time zone,
    author_id uuid,
    search_vector tsvector GENERATED ALWAYS AS (((setweight(to_tsvector('english'::regconfig, title), 'A'::"char") || setweight(to_tsvector('english'::regconfig, ((public.immutable_array_to_string(tags) || ' '::text) || summary)), 'B'::"char")) || setweight(to_tsvector('english'::regconfig, body), 'D'::"char"))) STORED,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT stories_published_at_check CHECK (((status <> 'published'::text) OR (published_at IS NOT NULL))),
    CONSTRAINT stories_reading_minutes_check CHECK (((reading_minutes >= 1) AND (reading_minutes <= 600))),
    CONSTRAINT stories_slug_check CHECK (((char_length(slug) <= 120) AND (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text))),
    CONSTRAINT stories_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'published'::text]))),
    CONSTRAINT stories_summary_check CHECK ((char_length(summary) <= 1000)),
    CONSTRAINT stories_tags_check CHECK (((cardinality(tags) <= 32) AND ((cardinality(tags) = 0) OR ((string_to_array(public.immutable_array_to_string(tags), ' '::text) = tags) AND (public.immutable_array_to_string(tags) ~ '^[a-z0-9]+(-[a-z0-9]+)*( [a-z0-9]+(-[a-z0-9]+)*)*$'::text))))),
    CONSTRAINT stories_title_check CHECK (((char_length(title) >= 1) AND (char_length(title) <= 200)))
);


--
-- Name: story_embeddings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.story_embeddings (
    story_id uuid NOT NULL,
    content_hash bytea NOT NULL,
    embedding public.vector(384) NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT story_embeddings_content_hash_check CHECK ((octet_length(content_hash) = 32))
);


--
-- Name: story_ghost_entities; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.story_ghost_entities (
    story_id uuid NOT NULL,
    ghost_entity_id uuid NOT NULL,
    role text DEFAULT 'featured'::text NOT NULL,
    "position" smallint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT story_ghost_entities_position_check CHECK (("position" >= 0)),
    CONSTRAINT story_ghost_entities_role_check CHECK ((role = ANY (ARRAY['featured'::text, 'mentioned'::text])))
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email text NOT NULL,
    username text NOT NULL,
    display_name text NOT NULL,
    password_hash text NOT NULL,
    role text DEFAULT 'reader'::text NOT NULL,
    tier text DEFAULT 'free'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    deactivated_at timestamp with time zone,
    CONSTRAINT users_display_name_check CHECK (((char_length(display_name) >= 1) AND (char_length(display_name) <= 80))),
    CONSTRAINT users_email_check CHECK (((char_length(email) <= 254) AND (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'::text))),
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['reader'::text, 'editor'::text, 'admin'::text]))),
    CONSTRAINT users_tier_check CHECK ((tier = ANY (ARRAY['free'::text, 'premium'::text, 'pro'::text]))),
    CONSTRAINT users_username_check CHECK ((username ~ '^[a-z0-9_]{3,32}$'::text))
);


--
-- Name: audit_events audit_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_events
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (id);


--
-- Name: bookmarks bookmarks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookmarks
    ADD CONSTRAINT bookmarks_pkey PRIMARY KEY (id);


--
-- Name: bookmarks bookmarks_user_ghost_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookmarks
    ADD CONSTRAINT bookmarks_user_ghost_key UNIQUE (user_id, ghost_entity_id);


--
-- Name: bookmarks bookmarks_user_story_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookmarks
    ADD CONSTRAINT bookmarks_user_story_key UNIQUE (user_id, story_id);


--
-- Name: comments comments_id_story_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comments
    ADD CONSTRAINT comments_id_story_key UNIQUE (id, story_id);


--
-- Name: comments comments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comments
    ADD CONSTRAINT comments_pkey PRIMARY KEY (id);


--
-- Name: content_statistics_deltas content_statistics_deltas_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_statistics_deltas
    ADD CONSTRAINT content_statistics_deltas_pkey PRIMARY KEY (id);


--
-- Name: content_statistics content_statistics_ghost_entity_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_statistics
    ADD CONSTRAINT content_statistics_ghost_entity_id_key UNIQUE (ghost_entity_id);


--
-- Name: content_statistics content_statistics_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_statistics
    ADD CONSTRAINT content_statistics_pkey PRIMARY KEY (id);


--
-- Name: content_statistics content_statistics_story_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_statistics
    ADD CONSTRAINT content_statistics_story_id_key UNIQUE (story_id);


--
-- Name: conversation_messages conversation_messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversation_messages
    ADD CONSTRAINT conversation_messages_pkey PRIMARY KEY (id);


--
-- Name: feature_flags feature_flags_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feature_flags
    ADD CONSTRAINT feature_flags_key_key UNIQUE (key);


--
-- Name: feature_flags feature_flags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.feature_flags
    ADD CONSTRAINT feature_flags_pkey PRIMARY KEY (id);


--
-- Name: ghost_embeddings ghost_embeddings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ghost_embeddings
    ADD CONSTRAINT ghost_embeddings_pkey PRIMARY KEY (ghost_entity_id);


--
-- Name: ghost_entities ghost_entities_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ghost_entities
    ADD CONSTRAINT ghost_entities_pkey PRIMARY KEY (id);


--
-- Name: ghost_entities ghost_entities_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ghost_entities
    ADD CONSTRAINT ghost_entities_slug_key UNIQUE (slug);


--
-- Name: ghost_entity_relationships ghost_entity_relationships_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ghost_entity_relationships
    ADD CONSTRAINT ghost_entity_relationships_pkey PRIMARY KEY (id);


--
-- Name: interactions interactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.interactions
    ADD CONSTRAINT interactions_pkey PRIMARY KEY (id);


--
-- Name: job_schedules job_schedules_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_schedules
    ADD CONSTRAINT job_schedules_name_key UNIQUE (name);


--
-- Name: job_schedules job_schedules_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.job_schedules
    ADD CONSTRAINT job_schedules_pkey PRIMARY KEY (id);


--
-- Name: jobs jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (id);


--
-- Name: media media_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media
    ADD CONSTRAINT media_pkey PRIMARY KEY (id);


--
-- Name: passages passages_ghost_entity_id_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.passages
    ADD CONSTRAINT passages_ghost_entity_id_position_key UNIQUE (ghost_entity_id, "position");


--
-- Name: passages passages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.passages
    ADD CONSTRAINT passages_pkey PRIMARY KEY (id);


--
-- Name: passages passages_story_id_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.passages
    ADD CONSTRAINT passages_story_id_position_key UNIQUE (story_id, "position");


--
-- Name: preference_profiles preference_profiles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preference_profiles
    ADD CONSTRAINT preference_profiles_pkey PRIMARY KEY (id);


--
-- Name: preference_profiles preference_profiles_user_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preference_profiles
    ADD CONSTRAINT preference_profiles_user_id_key UNIQUE (user_id);


--
-- Name: reading_progress reading_progress_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reading_progress
    ADD CONSTRAINT reading_progress_pkey PRIMARY KEY (id);


--
-- Name: reading_progress reading_progress_user_id_story_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reading_progress
    ADD CONSTRAINT reading_progress_user_id_story_id_key UNIQUE (user_id, story_id);


--
-- Name: recommendation_feedback recommendation_feedback_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation_feedback
    ADD CONSTRAINT recommendation_feedback_pkey PRIMARY KEY (id);


--
-- Name: recommendation_feedback recommendation_feedback_user_ghost_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation_feedback
    ADD CONSTRAINT recommendation_feedback_user_ghost_key UNIQUE (user_id, ghost_entity_id);


--
-- Name: recommendation_feedback recommendation_feedback_user_story_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation_feedback
    ADD CONSTRAINT recommendation_feedback_user_story_key UNIQUE (user_id, story_id);


--
-- Name: recommendations recommendations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendations
    ADD CONSTRAINT recommendations_pkey PRIMARY KEY (id);


--
-- Name: recommendations recommendations_user_ghost_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendations
    ADD CONSTRAINT recommendations_user_ghost_key UNIQUE (user_id, ghost_entity_id);


--
-- Name: recommendations recommendations_user_story_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendations
    ADD CONSTRAINT recommendations_user_story_key UNIQUE (user_id, story_id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);


--
-- Name: sessions sessions_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_token_hash_key UNIQUE (token_hash);


--
-- Name: stories stories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stories
    ADD CONSTRAINT stories_pkey PRIMARY KEY (id);


--
-- Name: stories stories_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stories
    ADD CONSTRAINT stories_slug_key UNIQUE (slug);


--
-- Name: story_embeddings story_embeddings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.story_embeddings
    ADD CONSTRAINT story_embeddings_pkey PRIMARY KEY (story_id);


--
-- Name: story_ghost_entities story_ghost_entities_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.story_ghost_entities
    ADD CONSTRAINT story_ghost_entities_pkey PRIMARY KEY (story_id, ghost_entity_id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: users users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_username_key UNIQUE (username);


--
-- Name: audit_events_action_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_events_action_idx ON public.audit_events USING btree (action, created_at DESC, id DESC);


--
-- Name: audit_events_actor_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_events_actor_id_idx ON public.audit_events USING btree (actor_id, created_at DESC, id DESC);


--
-- Name: audit_events_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_events_created_at_idx ON public.audit_events USING btree (created_at DESC, id DESC);


--
-- Name: audit_events_target_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_events_target_idx ON public.audit_events USING btree (target_type, target_id, created_at DESC, id DESC);


--
-- Name: bookmarks_ghost_entity_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookmarks_ghost_entity_id_idx ON public.bookmarks USING btree (ghost_entity_id);


--
-- Name: bookmarks_story_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookmarks_story_id_idx ON public.bookmarks USING btree (story_id);


--
-- Name: bookmarks_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bookmarks_user_id_created_at_idx ON public.bookmarks USING btree (user_id, created_at DESC, id DESC);


--
-- Name: comments_parent_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX comments_parent_id_created_at_idx ON public.comments USING btree (parent_id, created_at, id);


--
-- Name: comments_story_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX comments_story_id_idx ON public.comments USING btree (story_id);


--
-- Name: comments_story_id_top_level_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX comments_story_id_top_level_idx ON public.comments USING btree (story_id, created_at, id) WHERE (parent_id IS NULL);


--
-- Name: comments_user_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX comments_user_id_idx ON public.comments USING btree (user_id);


--
-- Name: conversation_messages_ghost_entity_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX conversation_messages_ghost_entity_id_idx ON public.conversation_messages USING btree (ghost_entity_id);


--
-- Name: conversation_messages_thread_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX conversation_messages_thread_idx ON public.conversation_messages USING btree (user_id, ghost_entity_id, created_at DESC, id DESC);


--
-- Name: ghost_embeddings_embedding_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_embeddings_embedding_idx ON public.ghost_embeddings USING hnsw (embedding public.vector_cosine_ops);


--
-- Name: ghost_entities_author_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_entities_author_id_idx ON public.ghost_entities USING btree (author_id);


--
-- Name: ghost_entities_name_trgm_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_entities_name_trgm_idx ON public.ghost_entities USING gin (name public.gin_trgm_ops);


--
-- Name: ghost_entities_published_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_entities_published_at_idx ON public.ghost_entities USING btree (published_at DESC, id DESC) WHERE (status = 'published'::text);


--
-- Name: ghost_entities_published_entity_type_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_entities_published_entity_type_idx ON public.ghost_entities USING btree (entity_type) WHERE (status = 'published'::text);


--
-- Name: ghost_entities_published_name_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_entities_published_name_idx ON public.ghost_entities USING btree (name, id) WHERE (status = 'published'::text);


--
-- Name: ghost_entities_search_vector_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_entities_search_vector_idx ON public.ghost_entities USING gin (search_vector);


--
-- Name: ghost_entities_tags_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_entities_tags_idx ON public.ghost_entities USING gin (tags);


--
-- Name: ghost_entity_relationships_pair_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ghost_entity_relationships_pair_key ON public.ghost_entity_relationships USING btree (LEAST(source_id, target_id), GREATEST(source_id, target_id));


--
-- Name: ghost_entity_relationships_source_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_entity_relationships_source_id_idx ON public.ghost_entity_relationships USING btree (source_id);


--
-- Name: ghost_entity_relationships_target_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ghost_entity_relationships_target_id_idx ON public.ghost_entity_relationships USING btree (target_id);


--
-- Name: interactions_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX interactions_created_at_idx ON public.interactions USING btree (created_at);


--
-- Name: interactions_ghost_entity_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX interactions_ghost_entity_id_created_at_idx ON public.interactions USING btree (ghost_entity_id, created_at);


--
-- Name: interactions_story_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX interactions_story_id_created_at_idx ON public.interactions USING btree (story_id, created_at);


--
-- Name: interactions_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX interactions_user_id_created_at_idx ON public.interactions USING btree (user_id, created_at);


--
-- Name: job_schedules_next_run_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX job_schedules_next_run_at_idx ON public.job_schedules USING btree (next_run_at);


--
-- Name: jobs_queued_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX jobs_queued_idx ON public.jobs USING btree (priority DESC, run_at, id) WHERE (status = 'queued'::text);


--
-- Name: jobs_queued_kind_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX jobs_queued_kind_idx ON public.jobs USING btree (kind) WHERE (status = 'queued'::text);


--
-- Name: jobs_running_locked_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX jobs_running_locked_at_idx ON public.jobs USING btree (locked_at) WHERE (status = 'running'::text);


--
-- Name: media_ghost_entity_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_ghost_entity_id_idx ON public.media USING btree (ghost_entity_id);


--
-- Name: media_story_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_story_id_idx ON public.media USING btree (story_id);


--
-- Name: reading_progress_story_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reading_progress_story_id_idx ON public.reading_progress USING btree (story_id);


--
-- Name: reading_progress_user_id_updated_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reading_progress_user_id_updated_at_idx ON public.reading_progress USING btree (user_id, updated_at DESC);


--
-- Name: recommendation_feedback_ghost_entity_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recommendation_feedback_ghost_entity_id_idx ON public.recommendation_feedback USING btree (ghost_entity_id);


--
-- Name: recommendation_feedback_recommendation_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recommendation_feedback_recommendation_id_idx ON public.recommendation_feedback USING btree (recommendation_id);


--
-- Name: recommendation_feedback_story_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recommendation_feedback_story_id_idx ON public.recommendation_feedback USING btree (story_id);


--
-- Name: recommendations_ghost_entity_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recommendations_ghost_entity_id_idx ON public.recommendations USING btree (ghost_entity_id);


--
-- Name: recommendations_story_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recommendations_story_id_idx ON public.recommendations USING btree (story_id);


--
-- Name: recommendations_user_id_score_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX recommendations_user_id_score_idx ON public.recommendations USING btree (user_id, score DESC, id);


--
-- Name: sessions_user_id_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_user_id_created_at_idx ON public.sessions USING btree (user_id, created_at DESC);


--
-- Name: stories_author_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX stories_author_id_idx ON public.stories USING btree (author_id);


--
-- Name: stories_published_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX stories_published_at_idx ON public.stories USING btree (published_at DESC, id DESC) WHERE (status = 'published'::text);


--
-- Name: stories_published_title_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX stories_published_title_idx ON public.stories USING btree (title, id) WHERE (status = 'published'::text);


--
-- Name: stories_search_vector_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX stories_search_vector_idx ON public.stories USING gin (search_vector);


--
-- Name: stories_tags_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX stories_tags_idx ON public.stories USING gin (tags);


--
-- Name: stories_title_trgm_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX stories_title_trgm_idx ON public.stories USING gin (title public.gin_trgm_ops);


--
-- Name: story_embeddings_embedding_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX story_embeddings_embedding_idx ON public.story_embeddings USING hnsw (embedding public.vector_cosine_ops);


--
-- Name: story_ghost_entities_ghost_entity_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX story_ghost_entities_ghost_entity_id_idx ON public.story_ghost_entities USING btree (ghost_entity_id);


--
-- Name: users_email_lower_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX users_email_lower_key ON public.users USING btree (lower(email));


--
-- Name: audit_events audit_events_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_events_set_updated_at BEFORE UPDATE ON public.audit_events FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: bookmarks bookmarks_count_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bookmarks_count_deleted AFTER DELETE ON public.bookmarks REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.count_bookmarks();


--
-- Name: bookmarks bookmarks_count_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bookmarks_count_inserted AFTER INSERT ON public.bookmarks REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.count_bookmarks();


--
-- Name: bookmarks bookmarks_count_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bookmarks_count_updated AFTER UPDATE ON public.bookmarks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.count_bookmarks();


--
-- Name: bookmarks bookmarks_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bookmarks_set_updated_at BEFORE UPDATE ON public.bookmarks FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: comments comments_count_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_count_deleted AFTER DELETE ON public.comments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.count_comments();


--
-- Name: comments comments_count_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_count_inserted AFTER INSERT ON public.comments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.count_comments();


--
-- Name: comments comments_count_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_count_updated AFTER UPDATE ON public.comments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.count_comments();


--
-- Name: comments comments_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_set_updated_at BEFORE UPDATE ON public.comments FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: content_statistics_deltas content_statistics_deltas_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER content_statistics_deltas_set_updated_at BEFORE UPDATE ON public.content_statistics_deltas FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: content_statistics content_statistics_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER content_statistics_set_updated_at BEFORE UPDATE ON public.content_statistics FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: conversation_messages conversation_messages_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER conversation_messages_set_updated_at BEFORE UPDATE ON public.conversation_messages FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: feature_flags feature_flags_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER feature_flags_set_updated_at BEFORE UPDATE ON public.feature_flags FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: ghost_embeddings ghost_embeddings_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER ghost_embeddings_set_updated_at BEFORE UPDATE ON public.ghost_embeddings FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: ghost_entities ghost_entities_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER ghost_entities_set_updated_at BEFORE UPDATE ON public.ghost_entities FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: ghost_entity_relationships ghost_entity_relationships_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER ghost_entity_relationships_set_updated_at BEFORE UPDATE ON public.ghost_entity_relationships FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: interactions interactions_count_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER interactions_count_deleted AFTER DELETE ON public.interactions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.count_interactions();


--
-- Name: interactions interactions_count_inserted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER interactions_count_inserted AFTER INSERT ON public.interactions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.count_interactions();


--
-- Name: interactions interactions_count_updated; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER interactions_count_updated AFTER UPDATE ON public.interactions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.count_interactions();


--
-- Name: interactions interactions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER interactions_set_updated_at BEFORE UPDATE ON public.interactions FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: job_schedules job_schedules_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER job_schedules_set_updated_at BEFORE UPDATE ON public.job_schedules FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: jobs jobs_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER jobs_set_updated_at BEFORE UPDATE ON public.jobs FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: media media_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER media_set_updated_at BEFORE UPDATE ON public.media FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: passages passages_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER passages_set_updated_at BEFORE UPDATE ON public.passages FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: preference_profiles preference_profiles_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER preference_profiles_set_updated_at BEFORE UPDATE ON public.preference_profiles FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: reading_progress reading_progress_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reading_progress_set_updated_at BEFORE UPDATE ON public.reading_progress FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: recommendation_feedback recommendation_feedback_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER recommendation_feedback_set_updated_at BEFORE UPDATE ON public.recommendation_feedback FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: recommendations recommendations_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER recommendations_set_updated_at BEFORE UPDATE ON public.recommendations FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: sessions sessions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER sessions_set_updated_at BEFORE UPDATE ON public.sessions FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: stories stories_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER stories_set_updated_at BEFORE UPDATE ON public.stories FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: story_embeddings story_embeddings_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER story_embeddings_set_updated_at BEFORE UPDATE ON public.story_embeddings FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: story_ghost_entities story_ghost_entities_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER story_ghost_entities_set_updated_at BEFORE UPDATE ON public.story_ghost_entities FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: users users_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: audit_events audit_events_actor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_events
    ADD CONSTRAINT audit_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: bookmarks bookmarks_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookmarks
    ADD CONSTRAINT bookmarks_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: bookmarks bookmarks_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookmarks
    ADD CONSTRAINT bookmarks_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: bookmarks bookmarks_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookmarks
    ADD CONSTRAINT bookmarks_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: comments comments_parent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comments
    ADD CONSTRAINT comments_parent_id_fkey FOREIGN KEY (parent_id, story_id) REFERENCES public.comments(id, story_id) ON DELETE CASCADE;


--
-- Name: comments comments_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comments
    ADD CONSTRAINT comments_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: comments comments_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comments
    ADD CONSTRAINT comments_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: content_statistics_deltas content_statistics_deltas_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_statistics_deltas
    ADD CONSTRAINT content_statistics_deltas_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: content_statistics_deltas content_statistics_deltas_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_statistics_deltas
    ADD CONSTRAINT content_statistics_deltas_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: content_statistics content_statistics_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_statistics
    ADD CONSTRAINT content_statistics_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: content_statistics content_statistics_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.content_statistics
    ADD CONSTRAINT content_statistics_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: conversation_messages conversation_messages_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversation_messages
    ADD CONSTRAINT conversation_messages_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: conversation_messages conversation_messages_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.conversation_messages
    ADD CONSTRAINT conversation_messages_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: ghost_embeddings ghost_embeddings_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ghost_embeddings
    ADD CONSTRAINT ghost_embeddings_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: ghost_entities ghost_entities_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ghost_entities
    ADD CONSTRAINT ghost_entities_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: ghost_entity_relationships ghost_entity_relationships_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ghost_entity_relationships
    ADD CONSTRAINT ghost_entity_relationships_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: ghost_entity_relationships ghost_entity_relationships_target_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ghost_entity_relationships
    ADD CONSTRAINT ghost_entity_relationships_target_id_fkey FOREIGN KEY (target_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: interactions interactions_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.interactions
    ADD CONSTRAINT interactions_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: interactions interactions_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.interactions
    ADD CONSTRAINT interactions_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: interactions interactions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.interactions
    ADD CONSTRAINT interactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: media media_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media
    ADD CONSTRAINT media_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: media media_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media
    ADD CONSTRAINT media_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: passages passages_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.passages
    ADD CONSTRAINT passages_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: passages passages_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.passages
    ADD CONSTRAINT passages_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: preference_profiles preference_profiles_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.preference_profiles
    ADD CONSTRAINT preference_profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: reading_progress reading_progress_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reading_progress
    ADD CONSTRAINT reading_progress_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: reading_progress reading_progress_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reading_progress
    ADD CONSTRAINT reading_progress_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: recommendation_feedback recommendation_feedback_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation_feedback
    ADD CONSTRAINT recommendation_feedback_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: recommendation_feedback recommendation_feedback_recommendation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation_feedback
    ADD CONSTRAINT recommendation_feedback_recommendation_id_fkey FOREIGN KEY (recommendation_id) REFERENCES public.recommendations(id) ON DELETE SET NULL;


--
-- Name: recommendation_feedback recommendation_feedback_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation_feedback
    ADD CONSTRAINT recommendation_feedback_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: recommendation_feedback recommendation_feedback_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendation_feedback
    ADD CONSTRAINT recommendation_feedback_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: recommendations recommendations_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendations
    ADD CONSTRAINT recommendations_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: recommendations recommendations_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendations
    ADD CONSTRAINT recommendations_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: recommendations recommendations_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recommendations
    ADD CONSTRAINT recommendations_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: sessions sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: stories stories_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stories
    ADD CONSTRAINT stories_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.users(id) ON DELETE SET NULL;


--
-- Name: story_embeddings story_embeddings_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.story_embeddings
    ADD CONSTRAINT story_embeddings_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- Name: story_ghost_entities story_ghost_entities_ghost_entity_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.story_ghost_entities
    ADD CONSTRAINT story_ghost_entities_ghost_entity_id_fkey FOREIGN KEY (ghost_entity_id) REFERENCES public.ghost_entities(id) ON DELETE CASCADE;


--
-- Name: story_ghost_entities story_ghost_entities_story_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.story_ghost_entities
    ADD CONSTRAINT story_ghost_entities_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--

\unrestrict dbmate


--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20261122000100'),
    ('20261122000200'),
    ('20261122000300'),
    ('20261122000400'),
    ('20261122000500'),
    ('20261122000600'),
    ('20261122000700'),
    ('20261122000800'),
    ('20261122000900'),
    ('20261122001000'),
    ('20261122001100'),
    ('20261122001200'),
    ('20261122001300'),
    ('20261122001400'),
    ('20261122001500'),
    ('20261122001600'),
    ('20261122001700'),
    ('20261122001800'),
    ('20261122001900'),
    ('20261122035008'),
    ('20261122035010'),
    ('20261130010000'),
    ('20261130010100'),
    ('20261130010200'),
    ('20261130010300'),
    ('20261130010400'),
    ('20261130031924'),
    ('20261130031934'),
    ('20261130031944'),
    ('20261130032156');

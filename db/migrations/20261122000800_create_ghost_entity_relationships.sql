-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE ghost_entity_relationships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id uuid NOT NULL,
    target_id uuid NOT NULL,
    relationship_type text NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ghost_entity_relationships_source_id_fkey FOREIGN KEY (source_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT ghost_entity_relationships_target_id_fkey FOREIGN KEY (target_id)
    REFERENCES ghost_entities (id) ON DELETE CASCADE,
    CONSTRAINT ghost_entity_relationships_relationship_type_check CHECK (
        relationship_type IN (
            'related', 'variant_of', 'manifestation_of', 'ally_of', 'enemy_of',
            'same_legend', 'inspired_by'
        )
    ),
    CONSTRAINT ghost_entity_relationships_no_self_check CHECK (source_id <> target_id)
);

-- One relationship per unordered pair: (a, b) and (b, a) collide.
CREATE UNIQUE INDEX ghost_entity_relationships_pair_key
ON ghost_entity_relationships (least(source_id, target_id), greatest(source_id, target_id));

-- The pair index is on expressions, so source_id needs its own index for FK cascades.
CREATE INDEX ghost_entity_relationships_source_id_idx
ON ghost_entity_relationships (source_id);

CREATE INDEX ghost_entity_relationships_target_id_idx
ON ghost_entity_relationships (target_id);

CREATE TRIGGER ghost_entity_relationships_set_updated_at
BEFORE UPDATE ON ghost_entity_relationships
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE ghost_entity_relationships;

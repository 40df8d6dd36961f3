-- The process log keeps each event's objects with the event (OCEL 2.0 relationships) and numbers events in
-- commit order; the index of events by object (intel_event_object) is built from the log by the object
-- indexer in large batches, behind the writer by a moment (see the SQLite script). tx: as in the outbox, the
-- indexer reads only events of transactions older than every running one, so no number is skipped.
ALTER TABLE intel_event ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE intel_event ADD COLUMN objects text NOT NULL DEFAULT '[]';
ALTER TABLE intel_event ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
UPDATE intel_event e SET objects = COALESCE((
    SELECT json_agg(json_build_object('type', o.object_type, 'id', o.object_id, 'qualifier', o.qualifier))::text
    FROM intel_event_object o WHERE o.event_id = e.id), '[]');
ALTER TABLE intel_event ALTER COLUMN objects DROP DEFAULT;
CREATE UNIQUE INDEX intel_event_seq ON intel_event (seq);

CREATE TABLE intel_indexer (
    name text PRIMARY KEY,
    position bigint NOT NULL
);
INSERT INTO intel_indexer (name, position) SELECT 'objects', COALESCE(MAX(seq), 0) FROM intel_event;

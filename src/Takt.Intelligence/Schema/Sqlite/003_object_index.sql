-- The process log keeps each event's objects with the event (OCEL 2.0 relationships) and numbers events in
-- commit order. The index of events by object (intel_event_object) is built from the log by the object indexer
-- in large batches, behind the writer by a moment: maintained inside every posting, its inserts were spread
-- over as many index pages as there were orders in a batch, the most expensive write of a posting.
CREATE TABLE intel_event_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    plant TEXT,
    occurred_at_us INTEGER NOT NULL,
    recorded_at_us INTEGER NOT NULL,
    commit_id TEXT NOT NULL,
    journal_entries INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    objects TEXT NOT NULL
);
INSERT INTO intel_event_new (id, type, source, source_id, plant, occurred_at_us, recorded_at_us, commit_id, journal_entries, data, objects)
    SELECT e.id, e.type, e.source, e.source_id, e.plant, e.occurred_at_us, e.recorded_at_us, e.commit_id, e.journal_entries, e.data,
        COALESCE((SELECT json_group_array(json_object('type', o.object_type, 'id', o.object_id, 'qualifier', o.qualifier)) FROM intel_event_object o WHERE o.event_id = e.id), '[]')
    FROM intel_event e ORDER BY e.recorded_at_us, e.id;
DROP TABLE intel_event;
ALTER TABLE intel_event_new RENAME TO intel_event;
CREATE INDEX intel_event_time ON intel_event (occurred_at_us);

-- How far the object index has read the log (the links of every event up to position are in intel_event_object).
CREATE TABLE intel_indexer (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO intel_indexer (name, position) SELECT 'objects', COALESCE(MAX(seq), 0) FROM intel_event;

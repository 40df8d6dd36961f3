-- The object-centric process log: every accepted event, and the objects it touches (OCEL 2.0 style).
CREATE TABLE intel_event (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    plant TEXT,
    occurred_at_us INTEGER NOT NULL,
    recorded_at_us INTEGER NOT NULL,
    commit_id TEXT NOT NULL,
    journal_entries INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX intel_event_time ON intel_event (occurred_at_us);
CREATE TABLE intel_event_object (
    event_id TEXT NOT NULL REFERENCES intel_event (id),
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    qualifier TEXT NOT NULL,
    PRIMARY KEY (event_id, object_type, object_id, qualifier)
) WITHOUT ROWID;
CREATE INDEX intel_event_object_object ON intel_event_object (object_type, object_id);
-- Projection fed by the outbox (journal-entry-posted): postings per plant, day and cause.
CREATE TABLE intel_plant_activity (
    plant TEXT NOT NULL,
    day INTEGER NOT NULL,
    source_type TEXT NOT NULL,
    entries INTEGER NOT NULL,
    debit_e4 INTEGER NOT NULL,
    PRIMARY KEY (plant, day, source_type)
) WITHOUT ROWID;

-- The object-centric process log: every accepted event, and the objects it touches (OCEL 2.0 style).
CREATE TABLE intel_event (
    id text PRIMARY KEY,
    type text NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    plant text,
    occurred_at_us bigint NOT NULL,
    recorded_at_us bigint NOT NULL,
    commit_id text NOT NULL,
    journal_entries bigint NOT NULL DEFAULT 0,
    data text NOT NULL
);
CREATE INDEX intel_event_time ON intel_event (occurred_at_us);
CREATE TABLE intel_event_object (
    event_id text NOT NULL REFERENCES intel_event (id),
    object_type text NOT NULL,
    object_id text NOT NULL,
    qualifier text NOT NULL,
    PRIMARY KEY (event_id, object_type, object_id, qualifier)
);
CREATE INDEX intel_event_object_object ON intel_event_object (object_type, object_id);
-- Projection fed by the outbox (journal-entry-posted): postings per plant, day and cause.
CREATE TABLE intel_plant_activity (
    plant text NOT NULL,
    day bigint NOT NULL,
    source_type text NOT NULL,
    entries bigint NOT NULL,
    debit_e4 bigint NOT NULL,
    PRIMARY KEY (plant, day, source_type)
);

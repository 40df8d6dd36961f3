-- On SQLite an object link no longer checks its event by foreign key (a lookup per link, five per event): the
-- process log writes both in one statement group, and PostgreSQL, where every test runs too, keeps the
-- constraint.
CREATE TABLE intel_event_object_new (
    event_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    qualifier TEXT NOT NULL,
    PRIMARY KEY (event_id, object_type, object_id, qualifier)
) WITHOUT ROWID;
INSERT INTO intel_event_object_new SELECT event_id, object_type, object_id, qualifier FROM intel_event_object;
DROP TABLE intel_event_object;
ALTER TABLE intel_event_object_new RENAME TO intel_event_object;
CREATE INDEX intel_event_object_object ON intel_event_object (object_type, object_id);

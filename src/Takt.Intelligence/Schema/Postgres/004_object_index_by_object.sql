-- The index of events by object, keyed by object and then by the event's place in the log (see the SQLite
-- script): one B-tree instead of a table keyed by event id plus a second index by object.
CREATE TABLE intel_event_object_new (
    object_type text NOT NULL,
    object_id text NOT NULL,
    event_seq bigint NOT NULL REFERENCES intel_event (seq),
    qualifier text NOT NULL,
    PRIMARY KEY (object_type, object_id, event_seq, qualifier)
);
INSERT INTO intel_event_object_new (object_type, object_id, event_seq, qualifier)
    SELECT o.object_type, o.object_id, e.seq, o.qualifier FROM intel_event_object o JOIN intel_event e ON e.id = o.event_id;
DROP TABLE intel_event_object;
ALTER TABLE intel_event_object_new RENAME TO intel_event_object;
ALTER INDEX intel_event_object_new_pkey RENAME TO intel_event_object_pkey;

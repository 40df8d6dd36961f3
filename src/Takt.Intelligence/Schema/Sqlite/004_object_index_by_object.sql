-- The index of events by object is read by object (an order's history, OCEL export per object type), never by
-- event: an event's objects are in intel_event.objects. One B-tree keyed by object and then by the event's
-- place in the log replaces a table keyed by event id (a 36-character text) plus a second index by object:
-- half the index writes, a third of the key bytes, and each object's entries are appended at its end.
CREATE TABLE intel_event_object_new (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    event_seq INTEGER NOT NULL,
    qualifier TEXT NOT NULL,
    PRIMARY KEY (object_type, object_id, event_seq, qualifier)
) WITHOUT ROWID;
INSERT INTO intel_event_object_new (object_type, object_id, event_seq, qualifier)
    SELECT o.object_type, o.object_id, e.seq, o.qualifier FROM intel_event_object o JOIN intel_event e ON e.id = o.event_id;
DROP TABLE intel_event_object;
ALTER TABLE intel_event_object_new RENAME TO intel_event_object;

-- The index by object carries each event's activity, time and plant, so a process map of one object type (its
-- directly-follows graph) and an object's history read one range of one B-tree instead of looking every event up
-- in the log by its place. The indexer has these at hand (it reads the event to file it); the posting writes nothing more.
ALTER TABLE intel_event_object ADD COLUMN activity TEXT NOT NULL DEFAULT '';
ALTER TABLE intel_event_object ADD COLUMN occurred_at_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE intel_event_object ADD COLUMN plant TEXT;
UPDATE intel_event_object AS o SET activity = e.type, occurred_at_us = e.occurred_at_us, plant = e.plant
    FROM intel_event e WHERE e.seq = o.event_seq;

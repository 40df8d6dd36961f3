-- The index by object carries each event's activity, time and plant (see the SQLite script).
ALTER TABLE intel_event_object ADD COLUMN activity text NOT NULL DEFAULT '';
ALTER TABLE intel_event_object ADD COLUMN occurred_at_us bigint NOT NULL DEFAULT 0;
ALTER TABLE intel_event_object ADD COLUMN plant text;
UPDATE intel_event_object AS o SET activity = e.type, occurred_at_us = e.occurred_at_us, plant = e.plant
    FROM intel_event e WHERE e.seq = o.event_seq;

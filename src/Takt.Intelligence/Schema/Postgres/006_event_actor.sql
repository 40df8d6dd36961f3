-- Who caused each event: a person, a client (an integration's CloudEvents source) or the system (a Takt module).
-- No index: reads by actor go through the time index (a range), so the posting path pays no extra index write.
ALTER TABLE intel_event ADD COLUMN actor_kind text;
ALTER TABLE intel_event ADD COLUMN actor_id text;
UPDATE intel_event SET actor_kind = CASE WHEN source LIKE '/takt/%' THEN 'system' ELSE 'client' END, actor_id = source;

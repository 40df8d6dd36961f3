-- Integration health (DESIGN §5, integration failure frequency): how long each request took and, for event
-- intake, how many of its events were accepted and rejected, and which rules the rejections broke
-- ("rule:count" pairs).
ALTER TABLE integration_audit ADD COLUMN duration_ms INTEGER;
ALTER TABLE integration_audit ADD COLUMN events_accepted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integration_audit ADD COLUMN events_rejected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integration_audit ADD COLUMN rejected_rules TEXT;

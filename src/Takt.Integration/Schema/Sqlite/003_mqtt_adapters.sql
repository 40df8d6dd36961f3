-- Inbound messages rejected on a channel with nobody to answer (MQTT): what arrived, where, and why.
-- id: SHA-256 of channel, topic and payload, so a message the broker delivers again is logged once.
CREATE TABLE integration_log (
    id TEXT PRIMARY KEY,
    logged_at_us INTEGER NOT NULL,
    channel TEXT NOT NULL,
    client TEXT,
    plant TEXT,
    topic TEXT,
    event_source TEXT,
    event_id TEXT,
    event_type TEXT,
    status INTEGER NOT NULL,
    rule TEXT NOT NULL,
    problem TEXT NOT NULL,
    payload TEXT NOT NULL,
    payload_encoding TEXT NOT NULL CHECK (payload_encoding IN ('utf-8', 'base64'))
) WITHOUT ROWID;
CREATE INDEX integration_log_time ON integration_log (logged_at_us);

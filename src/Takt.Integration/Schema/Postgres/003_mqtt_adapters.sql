-- Inbound messages rejected on a channel with nobody to answer (MQTT): what arrived, where, and why.
-- id: SHA-256 of channel, topic and payload, so a message the broker delivers again is logged once.
CREATE TABLE integration_log (
    id text PRIMARY KEY,
    logged_at_us bigint NOT NULL,
    channel text NOT NULL,
    client text,
    plant text,
    topic text,
    event_source text,
    event_id text,
    event_type text,
    status integer NOT NULL,
    rule text NOT NULL,
    problem text NOT NULL,
    payload text NOT NULL,
    payload_encoding text NOT NULL CHECK (payload_encoding IN ('utf-8', 'base64'))
);
CREATE INDEX integration_log_time ON integration_log (logged_at_us);

-- Idempotent inbox: the first accepted delivery of (source, id) and its result; repeats get that result.
CREATE TABLE integration_inbox (
    event_id TEXT NOT NULL,
    source TEXT NOT NULL,
    type TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    result TEXT NOT NULL,
    received_at_us INTEGER NOT NULL,
    PRIMARY KEY (event_id, source)
) WITHOUT ROWID;

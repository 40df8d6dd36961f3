-- Queue management: the state of each inbound channel (gateway, adapters, mqtt) and outbound subscription
-- (webhook:<id>) that ops paused, drained or resumed. No row means running. Every node reads this table once a
-- second, so a pause made on one node (or by the CLI on the database) holds on all of them.
-- drain_to: for an outbound subscription being drained, the last outbox position to deliver before it pauses.
CREATE TABLE integration_channel (
    channel TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'draining')),
    reason TEXT,
    actor TEXT NOT NULL,
    drain_to INTEGER,
    changed_at_us INTEGER NOT NULL
) WITHOUT ROWID;

-- Who changed what, when and why (controlled restart procedures are audited).
CREATE TABLE integration_channel_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    actor TEXT NOT NULL,
    at_us INTEGER NOT NULL
);
CREATE INDEX integration_channel_history_by_channel ON integration_channel_history (channel, seq);

-- Queue management: the state of each inbound channel (gateway, adapters, mqtt) and outbound subscription
-- (webhook:<id>) that ops paused, drained or resumed. No row means running. Every node reads this table once a
-- second, so a pause made on one node (or by the CLI on the database) holds on all of them.
-- drain_to: for an outbound subscription being drained, the last outbox position to deliver before it pauses.
CREATE TABLE integration_channel (
    channel text PRIMARY KEY,
    state text NOT NULL CHECK (state IN ('running', 'paused', 'draining')),
    reason text,
    actor text NOT NULL,
    drain_to bigint,
    changed_at_us bigint NOT NULL
);

-- Who changed what, when and why (controlled restart procedures are audited).
CREATE TABLE integration_channel_history (
    seq bigserial PRIMARY KEY,
    channel text NOT NULL,
    state text NOT NULL,
    reason text,
    actor text NOT NULL,
    at_us bigint NOT NULL
);
CREATE INDEX integration_channel_history_by_channel ON integration_channel_history (channel, seq);

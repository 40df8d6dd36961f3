-- Idempotent inbox: the first accepted delivery of (source, id) and its result; repeats get that result.
CREATE TABLE integration_inbox (
    event_id text NOT NULL,
    source text NOT NULL,
    type text NOT NULL,
    body_hash text NOT NULL,
    result text NOT NULL,
    received_at_us bigint NOT NULL,
    PRIMARY KEY (event_id, source)
);

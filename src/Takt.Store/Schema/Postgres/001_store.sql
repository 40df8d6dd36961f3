CREATE TABLE store_commit (
    id text PRIMARY KEY,
    committed_at_us bigint NOT NULL
);

CREATE TABLE store_outbox_message (
    id text PRIMARY KEY,
    type text NOT NULL,
    source text NOT NULL,
    subject text,
    plant text,
    time_us bigint NOT NULL,
    data text NOT NULL,
    created_at_us bigint NOT NULL
);

CREATE TABLE store_outbox_delivery (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id text NOT NULL REFERENCES store_outbox_message (id),
    subscriber text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at_us bigint NOT NULL,
    last_error text,
    delivered_at_us bigint,
    UNIQUE (message_id, subscriber)
);
CREATE INDEX store_outbox_delivery_due ON store_outbox_delivery (status, next_attempt_at_us, seq);

-- The outbox becomes a log with a read position per subscriber (DESIGN §2.7): a message is one appended row,
-- a subscriber's progress is one row, and only deliveries that failed get a row of their own.
-- tx: the writing transaction. Sequence numbers are drawn before commit, so a reader could see seq 11 before
-- the transaction holding seq 10 commits; dispatchers read only messages whose transaction is older than every
-- transaction still running (pg_snapshot_xmin), so nothing is skipped.
CREATE TABLE store_outbox_log (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    type text NOT NULL,
    source text NOT NULL,
    subject text,
    plant text,
    time_us bigint NOT NULL,
    data text NOT NULL,
    created_at_us bigint NOT NULL,
    tx xid8 NOT NULL DEFAULT pg_current_xact_id()
);
INSERT INTO store_outbox_log (id, type, source, subject, plant, time_us, data, created_at_us)
    SELECT id, type, source, subject, plant, time_us, data, created_at_us FROM store_outbox_message ORDER BY created_at_us, id;

CREATE TABLE store_outbox_cursor (
    subscriber text PRIMARY KEY,
    position bigint NOT NULL,
    updated_at_us bigint NOT NULL
);
INSERT INTO store_outbox_cursor (subscriber, position, updated_at_us)
    SELECT DISTINCT subscriber, (SELECT COALESCE(MAX(seq), 0) FROM store_outbox_log), 0 FROM store_outbox_delivery;

CREATE TABLE store_outbox_retry (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_seq bigint NOT NULL REFERENCES store_outbox_log (seq),
    subscriber text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts integer NOT NULL,
    next_attempt_at_us bigint NOT NULL,
    last_error text,
    delivered_at_us bigint,
    UNIQUE (message_seq, subscriber)
);
CREATE INDEX store_outbox_retry_due ON store_outbox_retry (status, next_attempt_at_us);
INSERT INTO store_outbox_retry (message_seq, subscriber, status, attempts, next_attempt_at_us, last_error)
    SELECT l.seq, d.subscriber, d.status, d.attempts, d.next_attempt_at_us, d.last_error
    FROM store_outbox_delivery d JOIN store_outbox_log l ON l.id = d.message_id
    WHERE d.status <> 'delivered'
    ORDER BY d.seq;

DROP TABLE store_outbox_delivery;
DROP TABLE store_outbox_message;
ALTER TABLE store_outbox_log RENAME TO store_outbox_message;

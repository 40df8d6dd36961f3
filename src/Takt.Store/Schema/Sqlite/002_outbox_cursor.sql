-- The outbox becomes a log with a read position per subscriber (DESIGN §2.7): a message is one appended row,
-- a subscriber's progress is one row, and only deliveries that failed get a row of their own. Before, every
-- message wrote one delivery row per subscriber and every delivery updated it again.
CREATE TABLE store_outbox_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    subject TEXT,
    plant TEXT,
    time_us INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
);
INSERT INTO store_outbox_log (id, type, source, subject, plant, time_us, data, created_at_us)
    SELECT id, type, source, subject, plant, time_us, data, created_at_us FROM store_outbox_message ORDER BY created_at_us, id;

-- Everything up to position has been handed to the subscriber (or to store_outbox_retry when it failed).
CREATE TABLE store_outbox_cursor (
    subscriber TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO store_outbox_cursor (subscriber, position, updated_at_us)
    SELECT DISTINCT subscriber, (SELECT COALESCE(MAX(seq), 0) FROM store_outbox_log), 0 FROM store_outbox_delivery;

-- Deliveries that failed at least once: retried with backoff, dead after the last attempt, replayable.
CREATE TABLE store_outbox_retry (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_seq INTEGER NOT NULL REFERENCES store_outbox_log (seq),
    subscriber TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL,
    next_attempt_at_us INTEGER NOT NULL,
    last_error TEXT,
    delivered_at_us INTEGER,
    UNIQUE (message_seq, subscriber)
);
CREATE INDEX store_outbox_retry_due ON store_outbox_retry (status, next_attempt_at_us);
-- Deliveries not yet settled keep their state; settled ones are covered by the cursor.
INSERT INTO store_outbox_retry (message_seq, subscriber, status, attempts, next_attempt_at_us, last_error)
    SELECT l.seq, d.subscriber, d.status, d.attempts, d.next_attempt_at_us, d.last_error
    FROM store_outbox_delivery d JOIN store_outbox_log l ON l.id = d.message_id
    WHERE d.status <> 'delivered'
    ORDER BY d.seq;

DROP TABLE store_outbox_delivery;
DROP TABLE store_outbox_message;
ALTER TABLE store_outbox_log RENAME TO store_outbox_message;

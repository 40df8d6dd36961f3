CREATE TABLE store_commit (
    id TEXT PRIMARY KEY,
    committed_at_us INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE store_outbox_message (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    subject TEXT,
    plant TEXT,
    time_us INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE store_outbox_delivery (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL REFERENCES store_outbox_message (id),
    subscriber TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_us INTEGER NOT NULL,
    last_error TEXT,
    delivered_at_us INTEGER,
    UNIQUE (message_id, subscriber)
);
CREATE INDEX store_outbox_delivery_due ON store_outbox_delivery (status, next_attempt_at_us, seq);

-- Webhook subscriptions: a client's URL for some event types (and one plant or all). Each subscription reads
-- the outbox log from its own position (store_outbox_cursor, subscriber 'webhook:<id>'); failed deliveries
-- get retry rows (store_outbox_retry) like any subscriber's. The signing secret must be kept to sign, so it
-- is stored; after a rotation the previous one keeps signing beside the new one until previous_until.
CREATE TABLE integration_webhook (
    id TEXT PRIMARY KEY,
    client_id TEXT,
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    plant TEXT,
    ordered INTEGER NOT NULL CHECK (ordered IN (0, 1)),
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until_us INTEGER,
    status TEXT NOT NULL CHECK (status IN ('active', 'deleted')),
    description TEXT,
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;

-- Every HTTP attempt, for the subscription's delivery history and the integration health figures.
CREATE TABLE integration_webhook_attempt (
    webhook_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL,
    at_us INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, at_us, message_id, attempt)
) WITHOUT ROWID;

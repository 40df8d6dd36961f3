-- Webhook subscriptions: a client's URL for some event types (and one plant or all). Each subscription reads
-- the outbox log from its own position (store_outbox_cursor, subscriber 'webhook:<id>'); failed deliveries
-- get retry rows (store_outbox_retry) like any subscriber's. The signing secret must be kept to sign, so it
-- is stored; after a rotation the previous one keeps signing beside the new one until previous_until.
CREATE TABLE integration_webhook (
    id text PRIMARY KEY,
    client_id text,
    url text NOT NULL,
    event_types text NOT NULL,
    plant text,
    ordered bigint NOT NULL CHECK (ordered IN (0, 1)),
    max_attempts bigint NOT NULL CHECK (max_attempts > 0),
    secret text NOT NULL,
    previous_secret text,
    previous_until_us bigint,
    status text NOT NULL CHECK (status IN ('active', 'deleted')),
    description text,
    created_at_us bigint NOT NULL
);

-- Every HTTP attempt, for the subscription's delivery history and the integration health figures.
CREATE TABLE integration_webhook_attempt (
    webhook_id text NOT NULL,
    message_id text NOT NULL,
    attempt bigint NOT NULL,
    status_code bigint,
    error text,
    duration_ms bigint NOT NULL,
    at_us bigint NOT NULL,
    PRIMARY KEY (webhook_id, at_us, message_id, attempt)
);

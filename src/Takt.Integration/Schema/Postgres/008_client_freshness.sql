-- Freshness of the registered clients that are expected to send events (a plant's MES, the WMS): the objective
-- ("at least one accepted event every N minutes"), when it was set, the last accepted event (each node records
-- what it took and writes the latest time here), and an open silence alarm. Raising and clearing an alarm are
-- conditional updates, so with several nodes each alarm is raised and cleared once.
CREATE TABLE integration_client_freshness (
    client_id text PRIMARY KEY REFERENCES integration_client (id),
    expect_within_s bigint,
    watched_since_us bigint,
    last_event_at_us bigint,
    silent_since_us bigint
);

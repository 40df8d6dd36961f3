-- Issue 14: manual fallback for stock movements. While the WMS is down, people record transfers (item, from and to
-- location, lot, quantity) by hand; each moves stock at once. When the WMS comes back and confirms its own move for the
-- same fact (or a client posts it through the API), it is matched by plant, item, locations, lot, status and time
-- window, and only what it reports beyond the hand record is moved; the rest is kept as the match.
CREATE TABLE inventory_fallback_movement (
    id text PRIMARY KEY,
    plant text NOT NULL,
    item text NOT NULL,
    location text NOT NULL,
    to_location text NOT NULL,
    lot text NOT NULL,
    status text NOT NULL,
    unit text NOT NULL,
    document text NOT NULL,
    occurred_at_us bigint NOT NULL,
    window_minutes bigint NOT NULL CHECK (window_minutes > 0),
    recorded_by text NOT NULL,
    recorded_at_us bigint NOT NULL,
    reason text NOT NULL,
    open bigint NOT NULL,
    quantity_e6 bigint NOT NULL,
    matched_e6 bigint NOT NULL DEFAULT 0,
    extra_e6 bigint NOT NULL DEFAULT 0
);
CREATE INDEX inventory_fallback_movement_open ON inventory_fallback_movement (plant, item, open);
CREATE INDEX inventory_fallback_movement_time ON inventory_fallback_movement (plant, occurred_at_us);
CREATE TABLE inventory_fallback_movement_match (
    id text PRIMARY KEY,
    entry_id text NOT NULL,
    source_type text NOT NULL,
    source_id text NOT NULL,
    document text NOT NULL,
    event_time_us bigint NOT NULL,
    matched_at_us bigint NOT NULL,
    reported_e6 bigint NOT NULL,
    covered_e6 bigint NOT NULL,
    extra_e6 bigint NOT NULL
);
CREATE INDEX inventory_fallback_movement_match_entry ON inventory_fallback_movement_match (entry_id);

-- Issue 14: manual fallback for stock movements. While the WMS is down, people record transfers (item, from and to
-- location, lot, quantity) by hand; each moves stock at once. When the WMS comes back and confirms its own move for the
-- same fact (or a client posts it through the API), it is matched by plant, item, locations, lot, status and time
-- window, and only what it reports beyond the hand record is moved; the rest is kept as the match.
CREATE TABLE inventory_fallback_movement (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    location TEXT NOT NULL,
    to_location TEXT NOT NULL,
    lot TEXT NOT NULL,
    status TEXT NOT NULL,
    unit TEXT NOT NULL,
    document TEXT NOT NULL,
    occurred_at_us INTEGER NOT NULL,
    window_minutes INTEGER NOT NULL CHECK (window_minutes > 0),
    recorded_by TEXT NOT NULL,
    recorded_at_us INTEGER NOT NULL,
    reason TEXT NOT NULL,
    open INTEGER NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    matched_e6 INTEGER NOT NULL DEFAULT 0,
    extra_e6 INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inventory_fallback_movement_open ON inventory_fallback_movement (plant, item, open);
CREATE INDEX inventory_fallback_movement_time ON inventory_fallback_movement (plant, occurred_at_us);
CREATE TABLE inventory_fallback_movement_match (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source_id TEXT NOT NULL,
    document TEXT NOT NULL,
    event_time_us INTEGER NOT NULL,
    matched_at_us INTEGER NOT NULL,
    reported_e6 INTEGER NOT NULL,
    covered_e6 INTEGER NOT NULL,
    extra_e6 INTEGER NOT NULL
);
CREATE INDEX inventory_fallback_movement_match_entry ON inventory_fallback_movement_match (entry_id);

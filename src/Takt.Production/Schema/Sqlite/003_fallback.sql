-- Issue 14: manual fallback. While a plant system is down, people record issues, confirmations and yield by hand;
-- each record posts at once like the plant system's event would. When the plant system comes back and sends its
-- own events for the same facts, they are matched by business key (plant, order, operation or item, time window)
-- and only the difference is applied. production_order.fallback_open counts an order's records still waiting for
-- their match, so the shop-floor batch reads this table only for orders that have one.
ALTER TABLE production_order ADD COLUMN fallback_open INTEGER NOT NULL DEFAULT 0;
CREATE TABLE production_fallback_entry (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('issue', 'confirm', 'yield')),
    plant TEXT NOT NULL,
    order_number TEXT NOT NULL,
    operation TEXT NOT NULL,
    item TEXT NOT NULL,
    occurred_at_us INTEGER NOT NULL,
    window_minutes INTEGER NOT NULL CHECK (window_minutes > 0),
    recorded_by TEXT NOT NULL,
    recorded_at_us INTEGER NOT NULL,
    reason TEXT NOT NULL,
    open INTEGER NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    scrap_e6 INTEGER NOT NULL,
    machine_e6 INTEGER NOT NULL,
    labour_e6 INTEGER NOT NULL,
    matched_quantity_e6 INTEGER NOT NULL DEFAULT 0,
    matched_scrap_e6 INTEGER NOT NULL DEFAULT 0,
    matched_machine_e6 INTEGER NOT NULL DEFAULT 0,
    matched_labour_e6 INTEGER NOT NULL DEFAULT 0,
    extra_quantity_e6 INTEGER NOT NULL DEFAULT 0,
    extra_scrap_e6 INTEGER NOT NULL DEFAULT 0,
    extra_machine_e6 INTEGER NOT NULL DEFAULT 0,
    extra_labour_e6 INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX production_fallback_entry_order ON production_fallback_entry (order_number, open);
CREATE INDEX production_fallback_entry_plant ON production_fallback_entry (plant, occurred_at_us);
CREATE TABLE production_fallback_match (
    entry_id TEXT NOT NULL,
    event_source TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_time_us INTEGER NOT NULL,
    matched_at_us INTEGER NOT NULL,
    covered_quantity_e6 INTEGER NOT NULL,
    covered_scrap_e6 INTEGER NOT NULL,
    covered_machine_e6 INTEGER NOT NULL,
    covered_labour_e6 INTEGER NOT NULL,
    extra_quantity_e6 INTEGER NOT NULL,
    extra_scrap_e6 INTEGER NOT NULL,
    extra_machine_e6 INTEGER NOT NULL,
    extra_labour_e6 INTEGER NOT NULL,
    PRIMARY KEY (entry_id, event_source, event_id)
);

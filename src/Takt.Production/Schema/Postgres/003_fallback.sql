-- Issue 14: manual fallback. While a plant system is down, people record issues, confirmations and yield by hand;
-- each record posts at once like the plant system's event would. When the plant system comes back and sends its
-- own events for the same facts, they are matched by business key (plant, order, operation or item, time window)
-- and only the difference is applied. production_order.fallback_open counts an order's records still waiting for
-- their match, so the shop-floor batch reads this table only for orders that have one.
ALTER TABLE production_order ADD COLUMN fallback_open bigint NOT NULL DEFAULT 0;
CREATE TABLE production_fallback_entry (
    id text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('issue', 'confirm', 'yield')),
    plant text NOT NULL,
    order_number text NOT NULL,
    operation text NOT NULL,
    item text NOT NULL,
    occurred_at_us bigint NOT NULL,
    window_minutes bigint NOT NULL CHECK (window_minutes > 0),
    recorded_by text NOT NULL,
    recorded_at_us bigint NOT NULL,
    reason text NOT NULL,
    open bigint NOT NULL,
    quantity_e6 bigint NOT NULL,
    scrap_e6 bigint NOT NULL,
    machine_e6 bigint NOT NULL,
    labour_e6 bigint NOT NULL,
    matched_quantity_e6 bigint NOT NULL DEFAULT 0,
    matched_scrap_e6 bigint NOT NULL DEFAULT 0,
    matched_machine_e6 bigint NOT NULL DEFAULT 0,
    matched_labour_e6 bigint NOT NULL DEFAULT 0,
    extra_quantity_e6 bigint NOT NULL DEFAULT 0,
    extra_scrap_e6 bigint NOT NULL DEFAULT 0,
    extra_machine_e6 bigint NOT NULL DEFAULT 0,
    extra_labour_e6 bigint NOT NULL DEFAULT 0
);
CREATE INDEX production_fallback_entry_order ON production_fallback_entry (order_number, open);
CREATE INDEX production_fallback_entry_plant ON production_fallback_entry (plant, occurred_at_us);
CREATE TABLE production_fallback_match (
    entry_id text NOT NULL,
    event_source text NOT NULL,
    event_id text NOT NULL,
    event_time_us bigint NOT NULL,
    matched_at_us bigint NOT NULL,
    covered_quantity_e6 bigint NOT NULL,
    covered_scrap_e6 bigint NOT NULL,
    covered_machine_e6 bigint NOT NULL,
    covered_labour_e6 bigint NOT NULL,
    extra_quantity_e6 bigint NOT NULL,
    extra_scrap_e6 bigint NOT NULL,
    extra_machine_e6 bigint NOT NULL,
    extra_labour_e6 bigint NOT NULL,
    PRIMARY KEY (entry_id, event_source, event_id)
);

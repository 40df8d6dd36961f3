-- Issue 11: material requirements planning and finite capacity scheduling. Quantities in base units (1/1,000,000),
-- money in company currency (1/10,000), dates as yyyymmdd keys, instants in Unix microseconds.
-- Planning parameters of a plant item: make or buy, lead time, lot policy, safety stock, supplier and price.
CREATE TABLE planning_item (
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    make INTEGER NOT NULL,
    lead_time_days INTEGER NOT NULL CHECK (lead_time_days >= 0),
    lot_policy TEXT NOT NULL CHECK (lot_policy IN ('lot-for-lot', 'fixed', 'minimum')),
    lot_size_e6 INTEGER NOT NULL DEFAULT 0,
    safety_stock_e6 INTEGER NOT NULL DEFAULT 0,
    supplier TEXT,
    price_e4 INTEGER NOT NULL DEFAULT 0,
    category TEXT NOT NULL DEFAULT 'direct',
    PRIMARY KEY (plant, item)
) WITHOUT ROWID;
-- Independent demand: customer orders and forecasts.
CREATE TABLE planning_demand (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('customer-order', 'forecast')),
    reference TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL CHECK (quantity_e6 > 0),
    due_date INTEGER NOT NULL,
    priority INTEGER NOT NULL DEFAULT 2
) WITHOUT ROWID;
-- Where else a work center's operations may run (another work center, possibly at the sister plant), at an efficiency.
CREATE TABLE planning_alternate (
    work_center TEXT NOT NULL,
    alternate TEXT NOT NULL,
    efficiency_percent INTEGER NOT NULL CHECK (efficiency_percent > 0),
    PRIMARY KEY (work_center, alternate)
) WITHOUT ROWID;
-- A work center down from–to, as the MES reported it, with the KPI's instants (schedule change cycle time).
CREATE TABLE planning_disruption (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    work_center TEXT NOT NULL,
    down_from_us INTEGER NOT NULL,
    down_to_us INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    reason TEXT,
    event_id TEXT NOT NULL,
    occurred_at_us INTEGER NOT NULL,
    received_at_us INTEGER NOT NULL,
    committed_at_us INTEGER,
    up_event_id TEXT,
    up_at_us INTEGER,
    replanned_up_at_us INTEGER,
    affected_orders INTEGER NOT NULL DEFAULT 0,
    late_orders INTEGER NOT NULL DEFAULT 0,
    max_delay_minutes INTEGER NOT NULL DEFAULT 0,
    requisitions INTEGER NOT NULL DEFAULT 0,
    efficiency_e4 INTEGER NOT NULL DEFAULT 0,
    freight_e4 INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX planning_disruption_open ON planning_disruption (status, work_center);
-- The finite capacity schedule: where and when each operation of an open production order runs.
CREATE TABLE planning_operation (
    order_number TEXT NOT NULL,
    operation TEXT NOT NULL,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    routing_work_center TEXT NOT NULL,
    work_center TEXT NOT NULL,
    work_plant TEXT NOT NULL,
    start_us INTEGER NOT NULL,
    finish_us INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    due_date INTEGER NOT NULL,
    late_minutes INTEGER NOT NULL,
    disruption TEXT,
    PRIMARY KEY (order_number, operation)
) WITHOUT ROWID;
-- Planned orders of the last run per plant item (make: a production proposal; buy: a purchase proposal).
CREATE TABLE planning_planned_order (
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    seq INTEGER NOT NULL,
    make INTEGER NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    release_date INTEGER NOT NULL,
    due_date INTEGER NOT NULL,
    run_id TEXT NOT NULL,
    PRIMARY KEY (plant, item, seq)
) WITHOUT ROWID;
CREATE TABLE planning_run (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    trigger_kind TEXT NOT NULL,
    disruption TEXT,
    started_at_us INTEGER NOT NULL,
    committed_at_us INTEGER NOT NULL,
    items_planned INTEGER NOT NULL,
    planned_orders INTEGER NOT NULL,
    requisitions INTEGER NOT NULL,
    orders_rescheduled INTEGER NOT NULL,
    late_orders INTEGER NOT NULL
) WITHOUT ROWID;
-- Expedite requisitions planning made for a disruption (one per plant item), with the expected premium freight.
CREATE TABLE planning_expedite (
    disruption TEXT NOT NULL,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    requisition TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    value_e4 INTEGER NOT NULL,
    freight_e4 INTEGER NOT NULL,
    PRIMARY KEY (disruption, plant, item)
) WITHOUT ROWID;

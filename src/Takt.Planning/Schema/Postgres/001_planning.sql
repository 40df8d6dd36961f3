-- Issue 11: material requirements planning and finite capacity scheduling. Quantities in base units (1/1,000,000),
-- money in company currency (1/10,000), dates as yyyymmdd keys, instants in Unix microseconds.
-- Planning parameters of a plant item: make or buy, lead time, lot policy, safety stock, supplier and price.
CREATE TABLE planning_item (
    plant text NOT NULL,
    item text NOT NULL,
    make bigint NOT NULL,
    lead_time_days bigint NOT NULL CHECK (lead_time_days >= 0),
    lot_policy text NOT NULL CHECK (lot_policy IN ('lot-for-lot', 'fixed', 'minimum')),
    lot_size_e6 bigint NOT NULL DEFAULT 0,
    safety_stock_e6 bigint NOT NULL DEFAULT 0,
    supplier text,
    price_e4 bigint NOT NULL DEFAULT 0,
    category text NOT NULL DEFAULT 'direct',
    PRIMARY KEY (plant, item)
);
-- Independent demand: customer orders and forecasts.
CREATE TABLE planning_demand (
    id text PRIMARY KEY,
    plant text NOT NULL,
    item text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('customer-order', 'forecast')),
    reference text NOT NULL,
    quantity_e6 bigint NOT NULL CHECK (quantity_e6 > 0),
    due_date bigint NOT NULL,
    priority bigint NOT NULL DEFAULT 2
);
-- Where else a work center's operations may run (another work center, possibly at the sister plant), at an efficiency.
CREATE TABLE planning_alternate (
    work_center text NOT NULL,
    alternate text NOT NULL,
    efficiency_percent bigint NOT NULL CHECK (efficiency_percent > 0),
    PRIMARY KEY (work_center, alternate)
);
-- A work center down from–to, as the MES reported it, with the KPI's instants (schedule change cycle time).
CREATE TABLE planning_disruption (
    id text PRIMARY KEY,
    plant text NOT NULL,
    work_center text NOT NULL,
    down_from_us bigint NOT NULL,
    down_to_us bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'closed')),
    reason text,
    event_id text NOT NULL,
    occurred_at_us bigint NOT NULL,
    received_at_us bigint NOT NULL,
    committed_at_us bigint,
    up_event_id text,
    up_at_us bigint,
    replanned_up_at_us bigint,
    affected_orders bigint NOT NULL DEFAULT 0,
    late_orders bigint NOT NULL DEFAULT 0,
    max_delay_minutes bigint NOT NULL DEFAULT 0,
    requisitions bigint NOT NULL DEFAULT 0,
    efficiency_e4 bigint NOT NULL DEFAULT 0,
    freight_e4 bigint NOT NULL DEFAULT 0,
    currency text NOT NULL DEFAULT ''
);
CREATE INDEX planning_disruption_open ON planning_disruption (status, work_center);
-- The finite capacity schedule: where and when each operation of an open production order runs.
CREATE TABLE planning_operation (
    order_number text NOT NULL,
    operation text NOT NULL,
    plant text NOT NULL,
    item text NOT NULL,
    routing_work_center text NOT NULL,
    work_center text NOT NULL,
    work_plant text NOT NULL,
    start_us bigint NOT NULL,
    finish_us bigint NOT NULL,
    minutes bigint NOT NULL,
    due_date bigint NOT NULL,
    late_minutes bigint NOT NULL,
    disruption text,
    PRIMARY KEY (order_number, operation)
);
-- Planned orders of the last run per plant item (make: a production proposal; buy: a purchase proposal).
CREATE TABLE planning_planned_order (
    plant text NOT NULL,
    item text NOT NULL,
    seq bigint NOT NULL,
    make bigint NOT NULL,
    quantity_e6 bigint NOT NULL,
    release_date bigint NOT NULL,
    due_date bigint NOT NULL,
    run_id text NOT NULL,
    PRIMARY KEY (plant, item, seq)
);
CREATE TABLE planning_run (
    id text PRIMARY KEY,
    kind text NOT NULL,
    trigger_kind text NOT NULL,
    disruption text,
    started_at_us bigint NOT NULL,
    committed_at_us bigint NOT NULL,
    items_planned bigint NOT NULL,
    planned_orders bigint NOT NULL,
    requisitions bigint NOT NULL,
    orders_rescheduled bigint NOT NULL,
    late_orders bigint NOT NULL
);
-- Expedite requisitions planning made for a disruption (one per plant item), with the expected premium freight.
CREATE TABLE planning_expedite (
    disruption text NOT NULL,
    plant text NOT NULL,
    item text NOT NULL,
    requisition text NOT NULL,
    quantity_e6 bigint NOT NULL,
    value_e4 bigint NOT NULL,
    freight_e4 bigint NOT NULL,
    PRIMARY KEY (disruption, plant, item)
);

-- Issue 6: the order lifecycle. A created order waits in production_order_created (its BOM and routing snapshot
-- as JSON) until release moves it to production_order, which the shop floor works on; released → completed
-- (technically complete) → closed (settled). Plan values (prices, rates, times) make the variances of settlement.
ALTER TABLE production_order ADD COLUMN hold_reason text;
ALTER TABLE production_order ADD COLUMN bom_version bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order ADD COLUMN recorded_scrap_e6 bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_component ADD COLUMN plan_price_e4 bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_component ADD COLUMN issued_value_e4 bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_component ADD COLUMN alternate_group text NOT NULL DEFAULT '';
ALTER TABLE production_order_component ADD COLUMN backflush bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN setup_hours_e6 bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN machine_per_unit_e6 bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN labour_per_unit_e6 bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN plan_machine_rate_e4 bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN plan_labour_rate_e4 bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN activity_value_e4 bigint NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN rework_e6 bigint NOT NULL DEFAULT 0;
CREATE TABLE production_order_created (
    number text PRIMARY KEY,
    plant text NOT NULL,
    item text NOT NULL,
    quantity_e6 bigint NOT NULL CHECK (quantity_e6 > 0),
    unit text NOT NULL,
    priority bigint NOT NULL,
    due_date bigint NOT NULL,
    bom_version bigint NOT NULL,
    created_at_us bigint NOT NULL,
    snapshot text NOT NULL
);
CREATE TABLE production_scrap_reason (
    code text PRIMARY KEY,
    description text NOT NULL
);
INSERT INTO production_scrap_reason (code, description) VALUES
    ('material-defect', 'Defective component or raw material'),
    ('machine-fault', 'Machine or tool fault'),
    ('operator-error', 'Handling or operating error'),
    ('setup', 'Setup or first-piece scrap'),
    ('quality-test', 'Failed quality test');
CREATE TABLE production_order_scrap (
    id text PRIMARY KEY,
    order_number text NOT NULL REFERENCES production_order (number),
    quantity_e6 bigint NOT NULL CHECK (quantity_e6 > 0),
    reason_code text NOT NULL REFERENCES production_scrap_reason (code),
    recorded_by text NOT NULL,
    recorded_at_us bigint NOT NULL
);
-- Settled variances (company currency, 1/10,000), by order and category; period yyyymm of the settlement.
CREATE TABLE production_variance (
    order_number text NOT NULL REFERENCES production_order (number),
    category text NOT NULL CHECK (category IN ('price', 'usage', 'efficiency', 'scrap', 'mix', 'remaining')),
    plant text NOT NULL,
    item text NOT NULL,
    period bigint NOT NULL,
    currency text NOT NULL,
    amount_e4 bigint NOT NULL,
    journal_entry_id text,
    PRIMARY KEY (order_number, category)
);
CREATE INDEX production_variance_plant ON production_variance (plant, period);
-- Cost versions: simulated → marked → released (standard costs from valid_from, stock revalued).
CREATE TABLE production_cost_version (
    id text PRIMARY KEY,
    plant text NOT NULL,
    status text NOT NULL CHECK (status IN ('simulated', 'marked', 'released')),
    valid_from bigint NOT NULL,
    created_by text NOT NULL,
    created_at_us bigint NOT NULL,
    reason text NOT NULL,
    marked_by text,
    released_by text,
    released_at_us bigint,
    journal_entry_id text
);
CREATE TABLE production_cost_estimate (
    version_id text NOT NULL REFERENCES production_cost_version (id),
    item text NOT NULL,
    material_e4 bigint NOT NULL,
    activity_e4 bigint NOT NULL,
    overhead_e4 bigint NOT NULL,
    unit_cost_e4 bigint NOT NULL,
    PRIMARY KEY (version_id, item)
);

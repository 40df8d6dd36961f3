-- Issue 6: the order lifecycle. A created order waits in production_order_created (its BOM and routing snapshot
-- as JSON) until release moves it to production_order, which the shop floor works on; released → completed
-- (technically complete) → closed (settled). Plan values (prices, rates, times) make the variances of settlement.
ALTER TABLE production_order ADD COLUMN hold_reason TEXT;
ALTER TABLE production_order ADD COLUMN bom_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order ADD COLUMN recorded_scrap_e6 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_component ADD COLUMN plan_price_e4 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_component ADD COLUMN issued_value_e4 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_component ADD COLUMN alternate_group TEXT NOT NULL DEFAULT '';
ALTER TABLE production_order_component ADD COLUMN backflush INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN setup_hours_e6 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN machine_per_unit_e6 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN labour_per_unit_e6 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN plan_machine_rate_e4 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN plan_labour_rate_e4 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN activity_value_e4 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE production_order_operation ADD COLUMN rework_e6 INTEGER NOT NULL DEFAULT 0;
CREATE TABLE production_order_created (
    number TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL CHECK (quantity_e6 > 0),
    unit TEXT NOT NULL,
    priority INTEGER NOT NULL,
    due_date INTEGER NOT NULL,
    bom_version INTEGER NOT NULL,
    created_at_us INTEGER NOT NULL,
    snapshot TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE production_scrap_reason (
    code TEXT PRIMARY KEY,
    description TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO production_scrap_reason (code, description) VALUES
    ('material-defect', 'Defective component or raw material'),
    ('machine-fault', 'Machine or tool fault'),
    ('operator-error', 'Handling or operating error'),
    ('setup', 'Setup or first-piece scrap'),
    ('quality-test', 'Failed quality test');
CREATE TABLE production_order_scrap (
    id TEXT PRIMARY KEY,
    order_number TEXT NOT NULL REFERENCES production_order (number),
    quantity_e6 INTEGER NOT NULL CHECK (quantity_e6 > 0),
    reason_code TEXT NOT NULL REFERENCES production_scrap_reason (code),
    recorded_by TEXT NOT NULL,
    recorded_at_us INTEGER NOT NULL
) WITHOUT ROWID;
-- Settled variances (company currency, 1/10,000), by order and category; period yyyymm of the settlement.
CREATE TABLE production_variance (
    order_number TEXT NOT NULL REFERENCES production_order (number),
    category TEXT NOT NULL CHECK (category IN ('price', 'usage', 'efficiency', 'scrap', 'mix', 'remaining')),
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    period INTEGER NOT NULL,
    currency TEXT NOT NULL,
    amount_e4 INTEGER NOT NULL,
    journal_entry_id TEXT,
    PRIMARY KEY (order_number, category)
) WITHOUT ROWID;
CREATE INDEX production_variance_plant ON production_variance (plant, period);
-- Cost versions: simulated → marked → released (standard costs from valid_from, stock revalued).
CREATE TABLE production_cost_version (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('simulated', 'marked', 'released')),
    valid_from INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    reason TEXT NOT NULL,
    marked_by TEXT,
    released_by TEXT,
    released_at_us INTEGER,
    journal_entry_id TEXT
) WITHOUT ROWID;
CREATE TABLE production_cost_estimate (
    version_id TEXT NOT NULL REFERENCES production_cost_version (id),
    item TEXT NOT NULL,
    material_e4 INTEGER NOT NULL,
    activity_e4 INTEGER NOT NULL,
    overhead_e4 INTEGER NOT NULL,
    unit_cost_e4 INTEGER NOT NULL,
    PRIMARY KEY (version_id, item)
) WITHOUT ROWID;

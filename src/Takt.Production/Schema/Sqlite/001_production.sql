-- Quantities in the product's base unit (1/1,000,000); WIP in company currency (1/10,000).
CREATE TABLE production_order (
    number TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL CHECK (quantity_e6 > 0),
    unit TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('released', 'completed', 'closed')),
    priority INTEGER NOT NULL,
    due_date INTEGER NOT NULL,
    released_at_us INTEGER NOT NULL,
    yield_e6 INTEGER NOT NULL DEFAULT 0,
    scrap_e6 INTEGER NOT NULL DEFAULT 0,
    wip_e4 INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX production_order_plant ON production_order (plant, status);
CREATE TABLE production_order_component (
    order_number TEXT NOT NULL REFERENCES production_order (number),
    item TEXT NOT NULL,
    required_e6 INTEGER NOT NULL,
    issued_e6 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_number, item)
) WITHOUT ROWID;
-- Times in hours (1/1,000,000).
CREATE TABLE production_order_operation (
    order_number TEXT NOT NULL REFERENCES production_order (number),
    operation TEXT NOT NULL,
    work_center TEXT NOT NULL,
    description TEXT NOT NULL,
    good_e6 INTEGER NOT NULL DEFAULT 0,
    scrap_e6 INTEGER NOT NULL DEFAULT 0,
    machine_hours_e6 INTEGER NOT NULL DEFAULT 0,
    labour_hours_e6 INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_number, operation)
) WITHOUT ROWID;

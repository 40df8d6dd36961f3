-- Quantities in the product's base unit (1/1,000,000); WIP in company currency (1/10,000).
CREATE TABLE production_order (
    number text PRIMARY KEY,
    plant text NOT NULL,
    item text NOT NULL,
    quantity_e6 bigint NOT NULL CHECK (quantity_e6 > 0),
    unit text NOT NULL,
    status text NOT NULL CHECK (status IN ('released', 'completed', 'closed')),
    priority bigint NOT NULL,
    due_date bigint NOT NULL,
    released_at_us bigint NOT NULL,
    yield_e6 bigint NOT NULL DEFAULT 0,
    scrap_e6 bigint NOT NULL DEFAULT 0,
    wip_e4 bigint NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT 0
);
CREATE INDEX production_order_plant ON production_order (plant, status);
CREATE TABLE production_order_component (
    order_number text NOT NULL REFERENCES production_order (number),
    item text NOT NULL,
    required_e6 bigint NOT NULL,
    issued_e6 bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (order_number, item)
);
-- Times in hours (1/1,000,000).
CREATE TABLE production_order_operation (
    order_number text NOT NULL REFERENCES production_order (number),
    operation text NOT NULL,
    work_center text NOT NULL,
    description text NOT NULL,
    good_e6 bigint NOT NULL DEFAULT 0,
    scrap_e6 bigint NOT NULL DEFAULT 0,
    machine_hours_e6 bigint NOT NULL DEFAULT 0,
    labour_hours_e6 bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (order_number, operation)
);

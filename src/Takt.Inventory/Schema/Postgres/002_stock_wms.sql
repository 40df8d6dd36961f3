-- Stock by storage location, lot and stock status; movements carry them (existing rows: no location, no lot,
-- unrestricted). Quantities 1/1,000,000 of the base unit, values 1/10,000 of the company currency.
ALTER TABLE inventory_movement ADD COLUMN location text NOT NULL DEFAULT '';
ALTER TABLE inventory_movement ADD COLUMN lot text NOT NULL DEFAULT '';
ALTER TABLE inventory_movement ADD COLUMN status text NOT NULL DEFAULT 'unrestricted';
ALTER TABLE inventory_movement ADD COLUMN document text;
CREATE INDEX inventory_movement_date ON inventory_movement (plant, posting_date);
CREATE INDEX inventory_movement_document ON inventory_movement (document);

CREATE TABLE inventory_bin (
    plant text NOT NULL,
    item text NOT NULL,
    location text NOT NULL,
    lot text NOT NULL,
    status text NOT NULL,
    quantity_e6 bigint NOT NULL,
    value_e4 bigint NOT NULL,
    PRIMARY KEY (plant, item, location, lot, status)
);
INSERT INTO inventory_bin (plant, item, location, lot, status, quantity_e6, value_e4)
    SELECT plant, item, '', '', 'unrestricted', quantity_e6, value_e4 FROM inventory_stock;

-- Storage locations (master data of the warehouse) and per-plant inventory settings.
CREATE TABLE inventory_location (
    plant text NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    wms_managed bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (plant, code)
);
CREATE TABLE inventory_plant_setting (
    plant text PRIMARY KEY,
    allow_negative bigint NOT NULL DEFAULT 0,
    adjustment_threshold_e4 bigint NOT NULL DEFAULT 50000000,
    staging_location text NOT NULL DEFAULT 'PSA'
);
-- Count tolerance per item class: a counted difference within it (percent of book quantity or absolute value)
-- is accurate (KPI) and posts directly.
CREATE TABLE inventory_count_tolerance (
    item_class text PRIMARY KEY,
    percent_e4 bigint NOT NULL,
    value_e4 bigint NOT NULL
);
CREATE TABLE inventory_abc_class (
    plant text NOT NULL,
    item text NOT NULL,
    abc text NOT NULL CHECK (abc IN ('A', 'B', 'C')),
    PRIMARY KEY (plant, item)
);

-- Reservations (production orders, outbound deliveries) and their allocations to locations and lots.
CREATE TABLE inventory_reservation (
    id text PRIMARY KEY,
    plant text NOT NULL,
    item text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('production-order', 'outbound-delivery')),
    reference text NOT NULL,
    quantity_e6 bigint NOT NULL,
    picked_e6 bigint NOT NULL DEFAULT 0,
    unit text NOT NULL,
    requirement_date bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'completed', 'cancelled')),
    created_at_us bigint NOT NULL
);
CREATE INDEX inventory_reservation_item ON inventory_reservation (plant, item, status);
CREATE TABLE inventory_allocation (
    id text PRIMARY KEY,
    reservation_id text NOT NULL REFERENCES inventory_reservation (id),
    plant text NOT NULL,
    item text NOT NULL,
    location text NOT NULL,
    lot text NOT NULL,
    quantity_e6 bigint NOT NULL,
    picked_e6 bigint NOT NULL DEFAULT 0,
    version bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('instructed', 'picked', 'cancelled')),
    created_at_us bigint NOT NULL
);
CREATE INDEX inventory_allocation_bin ON inventory_allocation (plant, item, location, lot, status);
CREATE INDEX inventory_allocation_reservation ON inventory_allocation (reservation_id);

-- WMS confirmations received through the gateway: applied, or parked with a reason until their predecessor arrives.
CREATE TABLE inventory_wms_confirmation (
    event_id text PRIMARY KEY,
    kind text NOT NULL,
    reference text NOT NULL,
    sequence bigint NOT NULL,
    plant text NOT NULL,
    data text NOT NULL,
    status text NOT NULL CHECK (status IN ('applied', 'parked', 'rejected')),
    reason text,
    received_at_us bigint NOT NULL,
    applied_at_us bigint
);
CREATE INDEX inventory_wms_confirmation_reference ON inventory_wms_confirmation (reference, status);
-- The last sequence number applied per WMS reference (an allocation or a WMS-initiated task).
CREATE TABLE inventory_wms_sequence (
    reference text PRIMARY KEY,
    applied bigint NOT NULL
);

-- Reconciliations against WMS snapshots and their discrepancies.
CREATE TABLE inventory_reconciliation (
    id text PRIMARY KEY,
    plant text NOT NULL,
    snapshot_at_us bigint NOT NULL,
    lines bigint NOT NULL,
    matched bigint NOT NULL,
    timing bigint NOT NULL,
    discrepancies bigint NOT NULL,
    discrepancy_value_e4 bigint NOT NULL,
    currency text NOT NULL,
    created_at_us bigint NOT NULL
);
CREATE TABLE inventory_discrepancy (
    id text PRIMARY KEY,
    reconciliation_id text NOT NULL,
    plant text NOT NULL,
    item text NOT NULL,
    location text NOT NULL,
    lot text NOT NULL,
    takt_e6 bigint NOT NULL,
    wms_e6 bigint NOT NULL,
    in_flight_e6 bigint NOT NULL,
    difference_e6 bigint NOT NULL,
    value_e4 bigint NOT NULL,
    status text NOT NULL
);
CREATE INDEX inventory_discrepancy_reconciliation ON inventory_discrepancy (reconciliation_id);

-- Cycle counts.
CREATE TABLE inventory_count (
    id text PRIMARY KEY,
    plant text NOT NULL,
    selection text NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'completed')),
    created_at_us bigint NOT NULL
);
CREATE TABLE inventory_count_line (
    count_id text NOT NULL REFERENCES inventory_count (id),
    line_no bigint NOT NULL,
    item text NOT NULL,
    location text NOT NULL,
    lot text NOT NULL,
    book_e6 bigint NOT NULL,
    counted_e6 bigint,
    difference_value_e4 bigint,
    within_tolerance bigint,
    status text NOT NULL CHECK (status IN ('open', 'posted', 'awaiting-approval', 'rejected', 'no-difference')),
    approval_request text,
    movement_id text,
    counted_at_us bigint,
    PRIMARY KEY (count_id, line_no)
);
CREATE INDEX inventory_count_line_request ON inventory_count_line (approval_request);

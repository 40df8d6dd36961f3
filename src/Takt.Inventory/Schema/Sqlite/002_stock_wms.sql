-- Stock by storage location, lot and stock status; movements carry them (existing rows: no location, no lot,
-- unrestricted). Quantities 1/1,000,000 of the base unit, values 1/10,000 of the company currency.
ALTER TABLE inventory_movement ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE inventory_movement ADD COLUMN lot TEXT NOT NULL DEFAULT '';
ALTER TABLE inventory_movement ADD COLUMN status TEXT NOT NULL DEFAULT 'unrestricted';
ALTER TABLE inventory_movement ADD COLUMN document TEXT;
CREATE INDEX inventory_movement_date ON inventory_movement (plant, posting_date);
CREATE INDEX inventory_movement_document ON inventory_movement (document);

CREATE TABLE inventory_bin (
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    location TEXT NOT NULL,
    lot TEXT NOT NULL,
    status TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    value_e4 INTEGER NOT NULL,
    PRIMARY KEY (plant, item, location, lot, status)
) WITHOUT ROWID;
INSERT INTO inventory_bin (plant, item, location, lot, status, quantity_e6, value_e4)
    SELECT plant, item, '', '', 'unrestricted', quantity_e6, value_e4 FROM inventory_stock;

-- Storage locations (master data of the warehouse) and per-plant inventory settings.
CREATE TABLE inventory_location (
    plant TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    wms_managed INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (plant, code)
) WITHOUT ROWID;
CREATE TABLE inventory_plant_setting (
    plant TEXT PRIMARY KEY,
    allow_negative INTEGER NOT NULL DEFAULT 0,
    adjustment_threshold_e4 INTEGER NOT NULL DEFAULT 50000000,
    staging_location TEXT NOT NULL DEFAULT 'PSA'
) WITHOUT ROWID;
-- Count tolerance per item class: a counted difference within it (percent of book quantity or absolute value)
-- is accurate (KPI) and posts directly.
CREATE TABLE inventory_count_tolerance (
    item_class TEXT PRIMARY KEY,
    percent_e4 INTEGER NOT NULL,
    value_e4 INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE inventory_abc_class (
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    abc TEXT NOT NULL CHECK (abc IN ('A', 'B', 'C')),
    PRIMARY KEY (plant, item)
) WITHOUT ROWID;

-- Reservations (production orders, outbound deliveries) and their allocations to locations and lots.
CREATE TABLE inventory_reservation (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('production-order', 'outbound-delivery')),
    reference TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    picked_e6 INTEGER NOT NULL DEFAULT 0,
    unit TEXT NOT NULL,
    requirement_date INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'completed', 'cancelled')),
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX inventory_reservation_item ON inventory_reservation (plant, item, status);
CREATE TABLE inventory_allocation (
    id TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL REFERENCES inventory_reservation (id),
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    location TEXT NOT NULL,
    lot TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    picked_e6 INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('instructed', 'picked', 'cancelled')),
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX inventory_allocation_bin ON inventory_allocation (plant, item, location, lot, status);
CREATE INDEX inventory_allocation_reservation ON inventory_allocation (reservation_id);

-- WMS confirmations received through the gateway: applied, or parked with a reason until their predecessor arrives.
CREATE TABLE inventory_wms_confirmation (
    event_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    plant TEXT NOT NULL,
    data TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('applied', 'parked', 'rejected')),
    reason TEXT,
    received_at_us INTEGER NOT NULL,
    applied_at_us INTEGER
) WITHOUT ROWID;
CREATE INDEX inventory_wms_confirmation_reference ON inventory_wms_confirmation (reference, status);
-- The last sequence number applied per WMS reference (an allocation or a WMS-initiated task).
CREATE TABLE inventory_wms_sequence (
    reference TEXT PRIMARY KEY,
    applied INTEGER NOT NULL
) WITHOUT ROWID;

-- Reconciliations against WMS snapshots and their discrepancies.
CREATE TABLE inventory_reconciliation (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    snapshot_at_us INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    matched INTEGER NOT NULL,
    timing INTEGER NOT NULL,
    discrepancies INTEGER NOT NULL,
    discrepancy_value_e4 INTEGER NOT NULL,
    currency TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE inventory_discrepancy (
    id TEXT PRIMARY KEY,
    reconciliation_id TEXT NOT NULL,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    location TEXT NOT NULL,
    lot TEXT NOT NULL,
    takt_e6 INTEGER NOT NULL,
    wms_e6 INTEGER NOT NULL,
    in_flight_e6 INTEGER NOT NULL,
    difference_e6 INTEGER NOT NULL,
    value_e4 INTEGER NOT NULL,
    status TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX inventory_discrepancy_reconciliation ON inventory_discrepancy (reconciliation_id);

-- Cycle counts.
CREATE TABLE inventory_count (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    selection TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'completed')),
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE inventory_count_line (
    count_id TEXT NOT NULL REFERENCES inventory_count (id),
    line_no INTEGER NOT NULL,
    item TEXT NOT NULL,
    location TEXT NOT NULL,
    lot TEXT NOT NULL,
    book_e6 INTEGER NOT NULL,
    counted_e6 INTEGER,
    difference_value_e4 INTEGER,
    within_tolerance INTEGER,
    status TEXT NOT NULL CHECK (status IN ('open', 'posted', 'awaiting-approval', 'rejected', 'no-difference')),
    approval_request TEXT,
    movement_id TEXT,
    counted_at_us INTEGER,
    PRIMARY KEY (count_id, line_no)
) WITHOUT ROWID;
CREATE INDEX inventory_count_line_request ON inventory_count_line (approval_request);

-- Issue 6: companies with a fiscal calendar, plants and work centers with a working calendar (Mon..Sun as 1/0),
-- item types, lots, unit conversions, versioned bills of material, routings, overhead rates, and the change log
-- of governed fields (who, when, why).
ALTER TABLE masterdata_company ADD COLUMN fiscal_year_start_month INTEGER NOT NULL DEFAULT 1;
ALTER TABLE masterdata_plant ADD COLUMN working_days TEXT NOT NULL DEFAULT '1111100';
ALTER TABLE masterdata_item ADD COLUMN item_type TEXT NOT NULL DEFAULT 'raw';
ALTER TABLE masterdata_item ADD COLUMN lot_controlled INTEGER NOT NULL DEFAULT 0;
-- Capacity in hours per working day (1/1,000,000).
ALTER TABLE masterdata_work_center ADD COLUMN capacity_hours_e6 INTEGER NOT NULL DEFAULT 16000000;
ALTER TABLE masterdata_work_center ADD COLUMN working_days TEXT NOT NULL DEFAULT '1111100';
-- One unit of the alternative unit is factor base units (1/1,000,000).
CREATE TABLE masterdata_unit_conversion (
    item TEXT NOT NULL REFERENCES masterdata_item (number),
    unit TEXT NOT NULL,
    factor_e6 INTEGER NOT NULL CHECK (factor_e6 > 0),
    PRIMARY KEY (item, unit)
) WITHOUT ROWID;
-- A BOM version is valid from valid_from (inclusive) to valid_to (exclusive; 0 = open), date keys yyyymmdd.
CREATE TABLE masterdata_bom (
    plant TEXT NOT NULL REFERENCES masterdata_plant (code),
    item TEXT NOT NULL REFERENCES masterdata_item (number),
    version INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER NOT NULL,
    base_quantity_e6 INTEGER NOT NULL CHECK (base_quantity_e6 > 0),
    status TEXT NOT NULL CHECK (status IN ('draft', 'released')),
    changed_by TEXT NOT NULL,
    changed_at_us INTEGER NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (plant, item, version)
) WITHOUT ROWID;
-- Quantity per base quantity of the parent, in unit; scrap factor 1/1,000,000 (50000 = 5 %). Lines of one
-- alternate group replace each other; rank 0 is the one planned.
CREATE TABLE masterdata_bom_line (
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    version INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    component TEXT NOT NULL REFERENCES masterdata_item (number),
    quantity_e6 INTEGER NOT NULL CHECK (quantity_e6 > 0),
    unit TEXT NOT NULL,
    scrap_e6 INTEGER NOT NULL DEFAULT 0,
    alternate_group TEXT NOT NULL DEFAULT '',
    alternate_rank INTEGER NOT NULL DEFAULT 0,
    backflush INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (plant, item, version, line_no)
) WITHOUT ROWID;
CREATE TABLE masterdata_routing_operation (
    plant TEXT NOT NULL REFERENCES masterdata_plant (code),
    item TEXT NOT NULL REFERENCES masterdata_item (number),
    operation TEXT NOT NULL,
    work_center TEXT NOT NULL REFERENCES masterdata_work_center (code),
    description TEXT NOT NULL,
    setup_hours_e6 INTEGER NOT NULL,
    machine_hours_e6 INTEGER NOT NULL,
    labour_hours_e6 INTEGER NOT NULL,
    PRIMARY KEY (plant, item, operation)
) WITHOUT ROWID;
-- Overhead as a fraction of material cost (1/1,000,000), per plant and item class of the costed item.
CREATE TABLE masterdata_overhead_rate (
    plant TEXT NOT NULL REFERENCES masterdata_plant (code),
    item_class TEXT NOT NULL,
    rate_e6 INTEGER NOT NULL CHECK (rate_e6 >= 0),
    PRIMARY KEY (plant, item_class)
) WITHOUT ROWID;
-- Governed fields (standard cost, released BOMs): every change with who, when and why.
CREATE TABLE masterdata_change (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at_us INTEGER NOT NULL,
    reason TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX masterdata_change_entity ON masterdata_change (entity, entity_key);

-- Issue 6: companies with a fiscal calendar, plants and work centers with a working calendar (Mon..Sun as 1/0),
-- item types, lots, unit conversions, versioned bills of material, routings, overhead rates, and the change log
-- of governed fields (who, when, why).
ALTER TABLE masterdata_company ADD COLUMN fiscal_year_start_month bigint NOT NULL DEFAULT 1;
ALTER TABLE masterdata_plant ADD COLUMN working_days text NOT NULL DEFAULT '1111100';
ALTER TABLE masterdata_item ADD COLUMN item_type text NOT NULL DEFAULT 'raw';
ALTER TABLE masterdata_item ADD COLUMN lot_controlled bigint NOT NULL DEFAULT 0;
-- Capacity in hours per working day (1/1,000,000).
ALTER TABLE masterdata_work_center ADD COLUMN capacity_hours_e6 bigint NOT NULL DEFAULT 16000000;
ALTER TABLE masterdata_work_center ADD COLUMN working_days text NOT NULL DEFAULT '1111100';
-- One unit of the alternative unit is factor base units (1/1,000,000).
CREATE TABLE masterdata_unit_conversion (
    item text NOT NULL REFERENCES masterdata_item (number),
    unit text NOT NULL,
    factor_e6 bigint NOT NULL CHECK (factor_e6 > 0),
    PRIMARY KEY (item, unit)
);
-- A BOM version is valid from valid_from (inclusive) to valid_to (exclusive; 0 = open), date keys yyyymmdd.
CREATE TABLE masterdata_bom (
    plant text NOT NULL REFERENCES masterdata_plant (code),
    item text NOT NULL REFERENCES masterdata_item (number),
    version bigint NOT NULL,
    valid_from bigint NOT NULL,
    valid_to bigint NOT NULL,
    base_quantity_e6 bigint NOT NULL CHECK (base_quantity_e6 > 0),
    status text NOT NULL CHECK (status IN ('draft', 'released')),
    changed_by text NOT NULL,
    changed_at_us bigint NOT NULL,
    reason text NOT NULL,
    PRIMARY KEY (plant, item, version)
);
-- Quantity per base quantity of the parent, in unit; scrap factor 1/1,000,000 (50000 = 5 %). Lines of one
-- alternate group replace each other; rank 0 is the one planned.
CREATE TABLE masterdata_bom_line (
    plant text NOT NULL,
    item text NOT NULL,
    version bigint NOT NULL,
    line_no bigint NOT NULL,
    component text NOT NULL REFERENCES masterdata_item (number),
    quantity_e6 bigint NOT NULL CHECK (quantity_e6 > 0),
    unit text NOT NULL,
    scrap_e6 bigint NOT NULL DEFAULT 0,
    alternate_group text NOT NULL DEFAULT '',
    alternate_rank bigint NOT NULL DEFAULT 0,
    backflush bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (plant, item, version, line_no)
);
CREATE TABLE masterdata_routing_operation (
    plant text NOT NULL REFERENCES masterdata_plant (code),
    item text NOT NULL REFERENCES masterdata_item (number),
    operation text NOT NULL,
    work_center text NOT NULL REFERENCES masterdata_work_center (code),
    description text NOT NULL,
    setup_hours_e6 bigint NOT NULL,
    machine_hours_e6 bigint NOT NULL,
    labour_hours_e6 bigint NOT NULL,
    PRIMARY KEY (plant, item, operation)
);
-- Overhead as a fraction of material cost (1/1,000,000), per plant and item class of the costed item.
CREATE TABLE masterdata_overhead_rate (
    plant text NOT NULL REFERENCES masterdata_plant (code),
    item_class text NOT NULL,
    rate_e6 bigint NOT NULL CHECK (rate_e6 >= 0),
    PRIMARY KEY (plant, item_class)
);
-- Governed fields (standard cost, released BOMs): every change with who, when and why.
CREATE TABLE masterdata_change (
    id text PRIMARY KEY,
    entity text NOT NULL,
    entity_key text NOT NULL,
    field text NOT NULL,
    old_value text,
    new_value text NOT NULL,
    changed_by text NOT NULL,
    changed_at_us bigint NOT NULL,
    reason text NOT NULL
);
CREATE INDEX masterdata_change_entity ON masterdata_change (entity, entity_key);

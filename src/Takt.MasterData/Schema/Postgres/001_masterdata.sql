CREATE TABLE masterdata_company (
    code text PRIMARY KEY,
    name text NOT NULL,
    currency text NOT NULL
);
CREATE TABLE masterdata_plant (
    code text PRIMARY KEY,
    name text NOT NULL,
    company text NOT NULL REFERENCES masterdata_company (code),
    time_zone text NOT NULL
);
CREATE TABLE masterdata_item (
    number text PRIMARY KEY,
    description text NOT NULL,
    base_unit text NOT NULL,
    item_class text NOT NULL
);
-- Standard cost per base unit in the plant's company currency, 1/10,000 units.
CREATE TABLE masterdata_item_plant (
    plant text NOT NULL REFERENCES masterdata_plant (code),
    item text NOT NULL REFERENCES masterdata_item (number),
    standard_cost_e4 bigint NOT NULL CHECK (standard_cost_e4 >= 0),
    PRIMARY KEY (plant, item)
);
-- Activity rates per hour in the plant's company currency, 1/10,000 units.
CREATE TABLE masterdata_work_center (
    code text PRIMARY KEY,
    plant text NOT NULL REFERENCES masterdata_plant (code),
    name text NOT NULL,
    machine_rate_e4 bigint NOT NULL CHECK (machine_rate_e4 >= 0),
    labour_rate_e4 bigint NOT NULL CHECK (labour_rate_e4 >= 0)
);

CREATE TABLE masterdata_company (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    currency TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE masterdata_plant (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    company TEXT NOT NULL REFERENCES masterdata_company (code),
    time_zone TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE masterdata_item (
    number TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    base_unit TEXT NOT NULL,
    item_class TEXT NOT NULL
) WITHOUT ROWID;
-- Standard cost per base unit in the plant's company currency, 1/10,000 units.
CREATE TABLE masterdata_item_plant (
    plant TEXT NOT NULL REFERENCES masterdata_plant (code),
    item TEXT NOT NULL REFERENCES masterdata_item (number),
    standard_cost_e4 INTEGER NOT NULL CHECK (standard_cost_e4 >= 0),
    PRIMARY KEY (plant, item)
) WITHOUT ROWID;
-- Activity rates per hour in the plant's company currency, 1/10,000 units.
CREATE TABLE masterdata_work_center (
    code TEXT PRIMARY KEY,
    plant TEXT NOT NULL REFERENCES masterdata_plant (code),
    name TEXT NOT NULL,
    machine_rate_e4 INTEGER NOT NULL CHECK (machine_rate_e4 >= 0),
    labour_rate_e4 INTEGER NOT NULL CHECK (labour_rate_e4 >= 0)
) WITHOUT ROWID;

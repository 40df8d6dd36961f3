-- Stock per plant and item in the item's base unit (1/1,000,000) and its value at standard (1/10,000).
CREATE TABLE inventory_stock (
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    value_e4 INTEGER NOT NULL,
    PRIMARY KEY (plant, item)
) WITHOUT ROWID;
CREATE TABLE inventory_movement (
    id TEXT PRIMARY KEY,
    movement_type TEXT NOT NULL,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    unit TEXT NOT NULL,
    value_e4 INTEGER NOT NULL,
    currency TEXT NOT NULL,
    order_number TEXT,
    journal_entry_id TEXT,
    posting_date INTEGER NOT NULL,
    source_event_id TEXT,
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX inventory_movement_item ON inventory_movement (plant, item);

-- Stock per plant and item in the item's base unit (1/1,000,000) and its value at standard (1/10,000).
CREATE TABLE inventory_stock (
    plant text NOT NULL,
    item text NOT NULL,
    quantity_e6 bigint NOT NULL,
    value_e4 bigint NOT NULL,
    PRIMARY KEY (plant, item)
);
CREATE TABLE inventory_movement (
    id text PRIMARY KEY,
    movement_type text NOT NULL,
    plant text NOT NULL,
    item text NOT NULL,
    quantity_e6 bigint NOT NULL,
    unit text NOT NULL,
    value_e4 bigint NOT NULL,
    currency text NOT NULL,
    order_number text,
    journal_entry_id text,
    posting_date bigint NOT NULL,
    source_event_id text,
    created_at_us bigint NOT NULL
);
CREATE INDEX inventory_movement_item ON inventory_movement (plant, item);

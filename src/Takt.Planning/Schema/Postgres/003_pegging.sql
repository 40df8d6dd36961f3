-- Single-level pegging: what each planned order serves (a customer order, a forecast, an open production order's
-- component, a parent's planned order item#seq, or safety stock), with the quantity and the day it is needed.
CREATE TABLE planning_peg (
    plant text NOT NULL,
    item text NOT NULL,
    seq bigint NOT NULL,
    line bigint NOT NULL,
    kind text NOT NULL,
    reference text NOT NULL,
    quantity_e6 bigint NOT NULL,
    need_date bigint NOT NULL,
    PRIMARY KEY (plant, item, seq, line)
);

-- Single-level pegging: what each planned order serves (a customer order, a forecast, an open production order's
-- component, a parent's planned order item#seq, or safety stock), with the quantity and the day it is needed.
CREATE TABLE planning_peg (
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    seq INTEGER NOT NULL,
    line INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    need_date INTEGER NOT NULL,
    PRIMARY KEY (plant, item, seq, line)
) WITHOUT ROWID;

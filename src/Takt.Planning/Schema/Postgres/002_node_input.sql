-- Net change for every change: a fingerprint of each plant item's MRP input at the last run (stock, safety stock, lead
-- time, lot policy, requirements, receipts, where-used lines). A net-change run re-plans the items whose input now
-- differs, so demand, stock, purchase order, receipt and BOM changes are picked up without any work where they are written.
CREATE TABLE planning_node (
    plant text NOT NULL,
    item text NOT NULL,
    fingerprint bigint NOT NULL,
    PRIMARY KEY (plant, item)
);

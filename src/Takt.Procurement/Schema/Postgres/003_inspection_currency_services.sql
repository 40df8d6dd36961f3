-- Issue 8: quality inspection with usage decisions, purchase orders in a foreign currency, service lines.
-- The rate (company-currency units per unit of the order's currency, × 10^10) at which an order was valued when it was
-- written: budget commitment and the approval of changes read the order in the company currency at it.
ALTER TABLE proc_po ADD COLUMN rate_e10 BIGINT NOT NULL DEFAULT 10000000000;

-- A line is an item (stock) or a service (no stock: its acceptance posts to the cost object's expense).
ALTER TABLE proc_po_line ADD COLUMN kind TEXT NOT NULL DEFAULT 'item';
ALTER TABLE proc_po_line ADD COLUMN service TEXT;
ALTER TABLE proc_po_line ADD COLUMN cost_object TEXT;

-- A receipt's GR/IR in the order's currency and the rate it was converted at (grir_e4 is in the company currency);
-- what of an inspected receipt still waits for its usage decision (quantity and value at standard), and what of it was
-- scrapped.
ALTER TABLE proc_receipt ADD COLUMN order_currency TEXT;
ALTER TABLE proc_receipt ADD COLUMN order_grir_e4 BIGINT;
ALTER TABLE proc_receipt ADD COLUMN rate_e10 BIGINT;
ALTER TABLE proc_receipt ADD COLUMN inspection_open_e6 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE proc_receipt ADD COLUMN scrapped_e6 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE proc_receipt ADD COLUMN scrapped_e4 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE proc_receipt ADD COLUMN inspection_value_e4 BIGINT NOT NULL DEFAULT 0;

-- Usage decisions on quality-inspection stock of a receipt: released to unrestricted, rejected (returned or scrapped).
CREATE TABLE proc_usage_decision (
    id TEXT PRIMARY KEY,
    receipt TEXT NOT NULL,
    released_e6 BIGINT NOT NULL,
    rejected_e6 BIGINT NOT NULL,
    disposition TEXT,
    return_receipt TEXT,
    scrap_e4 BIGINT NOT NULL,
    journal_entry TEXT,
    reason TEXT,
    decided_by TEXT NOT NULL,
    posting_date BIGINT NOT NULL,
    created_at_us BIGINT NOT NULL
);
CREATE INDEX proc_usage_decision_receipt ON proc_usage_decision (receipt);

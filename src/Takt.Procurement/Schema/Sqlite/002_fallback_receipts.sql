-- Issue 14: manual fallback for goods receipts. While the WMS or plant system is down, people record receipts against
-- a purchase order line by hand; each posts at once as an ordinary receipt (stock, Inventory against GR/IR). When the
-- system comes back and posts its own receipt for the same delivery, it is matched by purchase order, line and time
-- window, and only what it reports beyond the hand record is received (and posted); the rest is kept as the match.
CREATE TABLE proc_fallback_receipt (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    po TEXT NOT NULL,
    line INTEGER NOT NULL,
    item TEXT NOT NULL,
    unit TEXT NOT NULL,
    receipt TEXT NOT NULL,
    occurred_at_us INTEGER NOT NULL,
    window_minutes INTEGER NOT NULL CHECK (window_minutes > 0),
    recorded_by TEXT NOT NULL,
    recorded_at_us INTEGER NOT NULL,
    reason TEXT NOT NULL,
    open INTEGER NOT NULL,
    quantity_e6 INTEGER NOT NULL,
    matched_e6 INTEGER NOT NULL DEFAULT 0,
    extra_e6 INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX proc_fallback_receipt_line ON proc_fallback_receipt (po, line, open);
CREATE INDEX proc_fallback_receipt_plant ON proc_fallback_receipt (plant, occurred_at_us);
CREATE TABLE proc_fallback_receipt_match (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL,
    receipt TEXT,
    received_at_us INTEGER NOT NULL,
    matched_at_us INTEGER NOT NULL,
    reported_e6 INTEGER NOT NULL,
    covered_e6 INTEGER NOT NULL,
    extra_e6 INTEGER NOT NULL
);
CREATE INDEX proc_fallback_receipt_match_entry ON proc_fallback_receipt_match (entry_id);

-- Issue 14: manual fallback for goods receipts. While the WMS or plant system is down, people record receipts against
-- a purchase order line by hand; each posts at once as an ordinary receipt (stock, Inventory against GR/IR). When the
-- system comes back and posts its own receipt for the same delivery, it is matched by purchase order, line and time
-- window, and only what it reports beyond the hand record is received (and posted); the rest is kept as the match.
CREATE TABLE proc_fallback_receipt (
    id text PRIMARY KEY,
    plant text NOT NULL,
    po text NOT NULL,
    line bigint NOT NULL,
    item text NOT NULL,
    unit text NOT NULL,
    receipt text NOT NULL,
    occurred_at_us bigint NOT NULL,
    window_minutes bigint NOT NULL CHECK (window_minutes > 0),
    recorded_by text NOT NULL,
    recorded_at_us bigint NOT NULL,
    reason text NOT NULL,
    open bigint NOT NULL,
    quantity_e6 bigint NOT NULL,
    matched_e6 bigint NOT NULL DEFAULT 0,
    extra_e6 bigint NOT NULL DEFAULT 0
);
CREATE INDEX proc_fallback_receipt_line ON proc_fallback_receipt (po, line, open);
CREATE INDEX proc_fallback_receipt_plant ON proc_fallback_receipt (plant, occurred_at_us);
CREATE TABLE proc_fallback_receipt_match (
    id text PRIMARY KEY,
    entry_id text NOT NULL,
    receipt text,
    received_at_us bigint NOT NULL,
    matched_at_us bigint NOT NULL,
    reported_e6 bigint NOT NULL,
    covered_e6 bigint NOT NULL,
    extra_e6 bigint NOT NULL
);
CREATE INDEX proc_fallback_receipt_match_entry ON proc_fallback_receipt_match (entry_id);

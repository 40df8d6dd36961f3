-- Invoice matching (docs/payables.md): tolerances, expected tax rates and supplier identities as data; each invoice's
-- match state, the purchase order lines it cleared, its exceptions and the advice recorded on them. Amounts are exact
-- decimal text; dates ISO text (YYYY-MM-DD).

-- Tolerances per procurement supplier and spend category ('*' for any; a supplier row wins over a category row).
-- A quantity is within when the over-invoiced quantity is at most quantity_absolute AND at most quantity_percent of
-- the reference (received for three-way, ordered for two-way); a price when the unit price differs from the PO price
-- by at most price_percent AND the line's difference is at most price_absolute (invoice currency).
CREATE TABLE payables_tolerance (
    supplier TEXT NOT NULL,
    category TEXT NOT NULL,
    match_kind TEXT NOT NULL CHECK (match_kind IN ('three-way', 'two-way')),
    quantity_percent TEXT NOT NULL,
    quantity_absolute TEXT NOT NULL,
    price_percent TEXT NOT NULL,
    price_absolute TEXT NOT NULL,
    PRIMARY KEY (supplier, category)
) WITHOUT ROWID;
INSERT INTO payables_tolerance (supplier, category, match_kind, quantity_percent, quantity_absolute, price_percent, price_absolute)
VALUES ('*', '*', 'three-way', '0', '0', '2', '50');

-- The tax rate a plant expects per tax category (EN 16931 UNCL5305: S, Z, E, …); no row: not checked.
CREATE TABLE payables_tax_rate (
    plant TEXT NOT NULL,
    category TEXT NOT NULL,
    percent TEXT NOT NULL,
    PRIMARY KEY (plant, category)
) WITHOUT ROWID;

-- Which procurement supplier an invoice's seller is (its key: vat:…, legal:…, endpoint:…, name:…).
CREATE TABLE payables_supplier_key (
    supplier_key TEXT PRIMARY KEY,
    supplier TEXT NOT NULL
) WITHOUT ROWID;

-- The match state of a received invoice: posted (payable from its due date) or exception (blocked, with the reason).
CREATE TABLE payables_match (
    invoice_id TEXT PRIMARY KEY REFERENCES payables_invoice (id),
    plant TEXT NOT NULL,
    kind TEXT NOT NULL,
    supplier TEXT,
    purchase_order TEXT,
    match_kind TEXT,
    state TEXT NOT NULL CHECK (state IN ('posted', 'exception')),
    reason TEXT,
    attempts INTEGER NOT NULL,
    had_exception INTEGER NOT NULL,
    currency TEXT NOT NULL,
    grir TEXT,
    price_variance TEXT,
    tax TEXT,
    payable TEXT NOT NULL,
    journal_entry TEXT,
    posting_date TEXT,
    due_date TEXT NOT NULL,
    receipt_at_us INTEGER,
    received_at_us INTEGER NOT NULL,
    posted_at_us INTEGER,
    updated_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX payables_match_po ON payables_match (purchase_order, state);
CREATE INDEX payables_match_due ON payables_match (state, due_date);

-- The purchase order lines a posted invoice cleared: quantity (negative for a credit note) at the PO price.
CREATE TABLE payables_match_line (
    invoice_id TEXT NOT NULL REFERENCES payables_invoice (id),
    po TEXT NOT NULL,
    po_line INTEGER NOT NULL,
    quantity TEXT NOT NULL,
    po_price TEXT NOT NULL,
    net_amount TEXT NOT NULL,
    grir TEXT NOT NULL,
    PRIMARY KEY (invoice_id, po, po_line)
) WITHOUT ROWID;
CREATE INDEX payables_match_line_po ON payables_match_line (po, po_line);

-- Exceptions: one open per invoice at a time, with every finding, its route and ERP context, and the advice an
-- advisor (the AI service) gave on it: recorded, never deciding.
CREATE TABLE payables_exception (
    id TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES payables_invoice (id),
    plant TEXT NOT NULL,
    category TEXT NOT NULL,
    categories TEXT NOT NULL,
    route TEXT NOT NULL,
    reason TEXT NOT NULL,
    findings TEXT NOT NULL,
    difference TEXT NOT NULL,
    currency TEXT NOT NULL,
    context TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolution TEXT,
    advice TEXT,
    raised_at_us INTEGER NOT NULL,
    resolved_at_us INTEGER
) WITHOUT ROWID;
CREATE INDEX payables_exception_invoice ON payables_exception (invoice_id, status);
CREATE INDEX payables_exception_plant ON payables_exception (plant, status, raised_at_us);

-- Invoice matching (docs/payables.md): tolerances, expected tax rates and supplier identities as data; each invoice's
-- match state, the purchase order lines it cleared, its exceptions and the advice recorded on them. Amounts are exact
-- decimal text; dates ISO text (YYYY-MM-DD).

-- Tolerances per procurement supplier and spend category ('*' for any; a supplier row wins over a category row).
-- A quantity is within when the over-invoiced quantity is at most quantity_absolute AND at most quantity_percent of
-- the reference (received for three-way, ordered for two-way); a price when the unit price differs from the PO price
-- by at most price_percent AND the line's difference is at most price_absolute (invoice currency).
CREATE TABLE payables_tolerance (
    supplier text NOT NULL,
    category text NOT NULL,
    match_kind text NOT NULL CHECK (match_kind IN ('three-way', 'two-way')),
    quantity_percent text NOT NULL,
    quantity_absolute text NOT NULL,
    price_percent text NOT NULL,
    price_absolute text NOT NULL,
    PRIMARY KEY (supplier, category)
);
INSERT INTO payables_tolerance (supplier, category, match_kind, quantity_percent, quantity_absolute, price_percent, price_absolute)
VALUES ('*', '*', 'three-way', '0', '0', '2', '50');

-- The tax rate a plant expects per tax category (EN 16931 UNCL5305: S, Z, E, …); no row: not checked.
CREATE TABLE payables_tax_rate (
    plant text NOT NULL,
    category text NOT NULL,
    percent text NOT NULL,
    PRIMARY KEY (plant, category)
);

-- Which procurement supplier an invoice's seller is (its key: vat:…, legal:…, endpoint:…, name:…).
CREATE TABLE payables_supplier_key (
    supplier_key text PRIMARY KEY,
    supplier text NOT NULL
);

-- The match state of a received invoice: posted (payable from its due date) or exception (blocked, with the reason).
CREATE TABLE payables_match (
    invoice_id text PRIMARY KEY REFERENCES payables_invoice (id),
    plant text NOT NULL,
    kind text NOT NULL,
    supplier text,
    purchase_order text,
    match_kind text,
    state text NOT NULL CHECK (state IN ('posted', 'exception')),
    reason text,
    attempts bigint NOT NULL,
    had_exception bigint NOT NULL,
    currency text NOT NULL,
    grir text,
    price_variance text,
    tax text,
    payable text NOT NULL,
    journal_entry text,
    posting_date text,
    due_date text NOT NULL,
    receipt_at_us bigint,
    received_at_us bigint NOT NULL,
    posted_at_us bigint,
    updated_at_us bigint NOT NULL
);
CREATE INDEX payables_match_po ON payables_match (purchase_order, state);
CREATE INDEX payables_match_due ON payables_match (state, due_date);

-- The purchase order lines a posted invoice cleared: quantity (negative for a credit note) at the PO price.
CREATE TABLE payables_match_line (
    invoice_id text NOT NULL REFERENCES payables_invoice (id),
    po text NOT NULL,
    po_line bigint NOT NULL,
    quantity text NOT NULL,
    po_price text NOT NULL,
    net_amount text NOT NULL,
    grir text NOT NULL,
    PRIMARY KEY (invoice_id, po, po_line)
);
CREATE INDEX payables_match_line_po ON payables_match_line (po, po_line);

-- Exceptions: one open per invoice at a time, with every finding, its route and ERP context, and the advice an
-- advisor (the AI service) gave on it: recorded, never deciding.
CREATE TABLE payables_exception (
    id text PRIMARY KEY,
    invoice_id text NOT NULL REFERENCES payables_invoice (id),
    plant text NOT NULL,
    category text NOT NULL,
    categories text NOT NULL,
    route text NOT NULL,
    reason text NOT NULL,
    findings text NOT NULL,
    difference text NOT NULL,
    currency text NOT NULL,
    context text NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'resolved')),
    resolution text,
    advice text,
    raised_at_us bigint NOT NULL,
    resolved_at_us bigint
);
CREATE INDEX payables_exception_invoice ON payables_exception (invoice_id, status);
CREATE INDEX payables_exception_plant ON payables_exception (plant, status, raised_at_us);

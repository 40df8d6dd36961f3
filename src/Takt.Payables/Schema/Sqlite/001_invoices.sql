-- Supplier invoices and credit notes as received (EN 16931). Amounts are exact decimal text in the invoice currency;
-- dates are ISO text (YYYY-MM-DD). document holds the whole invoice in its JSON form.
CREATE TABLE payables_invoice (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit-note')),
    type_code TEXT NOT NULL,
    number TEXT NOT NULL,
    supplier_key TEXT NOT NULL,
    supplier_name TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    due_date TEXT,
    currency TEXT NOT NULL,
    line_extension TEXT NOT NULL,
    tax_exclusive TEXT NOT NULL,
    tax_total TEXT NOT NULL,
    tax_inclusive TEXT NOT NULL,
    payable TEXT NOT NULL,
    order_reference TEXT,
    line_count INTEGER NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('ubl', 'json')),
    content_sha256 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'blocked')),
    duplicate TEXT CHECK (duplicate IN ('exact', 'suspected')),
    duplicate_of TEXT REFERENCES payables_invoice (id),
    client_id TEXT,
    document TEXT NOT NULL,
    received_at_us INTEGER NOT NULL,
    commit_id TEXT NOT NULL
) WITHOUT ROWID;
-- The same document resent for the same plant is the same invoice (a replay), whatever its number says.
CREATE UNIQUE INDEX payables_invoice_content ON payables_invoice (plant, content_sha256);
CREATE INDEX payables_invoice_supplier ON payables_invoice (supplier_key, kind, number);
CREATE INDEX payables_invoice_amount ON payables_invoice (supplier_key, kind, payable);
CREATE INDEX payables_invoice_plant ON payables_invoice (plant, received_at_us);
CREATE TABLE payables_invoice_line (
    invoice_id TEXT NOT NULL REFERENCES payables_invoice (id),
    position INTEGER NOT NULL,
    line_id TEXT NOT NULL,
    item_name TEXT NOT NULL,
    seller_item TEXT,
    buyer_item TEXT,
    quantity TEXT NOT NULL,
    unit TEXT NOT NULL,
    net_amount TEXT NOT NULL,
    price TEXT NOT NULL,
    base_quantity TEXT NOT NULL,
    order_line TEXT,
    tax_category TEXT NOT NULL,
    tax_percent TEXT,
    PRIMARY KEY (invoice_id, position)
) WITHOUT ROWID;

-- Supplier invoices and credit notes as received (EN 16931). Amounts are exact decimal text in the invoice currency;
-- dates are ISO text (YYYY-MM-DD). document holds the whole invoice in its JSON form.
CREATE TABLE payables_invoice (
    id text PRIMARY KEY,
    plant text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('invoice', 'credit-note')),
    type_code text NOT NULL,
    number text NOT NULL,
    supplier_key text NOT NULL,
    supplier_name text NOT NULL,
    issue_date text NOT NULL,
    due_date text,
    currency text NOT NULL,
    line_extension text NOT NULL,
    tax_exclusive text NOT NULL,
    tax_total text NOT NULL,
    tax_inclusive text NOT NULL,
    payable text NOT NULL,
    order_reference text,
    line_count bigint NOT NULL,
    format text NOT NULL CHECK (format IN ('ubl', 'json')),
    content_sha256 text NOT NULL,
    status text NOT NULL CHECK (status IN ('received', 'blocked')),
    duplicate text CHECK (duplicate IN ('exact', 'suspected')),
    duplicate_of text REFERENCES payables_invoice (id),
    client_id text,
    document text NOT NULL,
    received_at_us bigint NOT NULL,
    commit_id text NOT NULL
);
-- The same document resent for the same plant is the same invoice (a replay), whatever its number says.
CREATE UNIQUE INDEX payables_invoice_content ON payables_invoice (plant, content_sha256);
CREATE INDEX payables_invoice_supplier ON payables_invoice (supplier_key, kind, number);
CREATE INDEX payables_invoice_amount ON payables_invoice (supplier_key, kind, payable);
CREATE INDEX payables_invoice_plant ON payables_invoice (plant, received_at_us);
CREATE TABLE payables_invoice_line (
    invoice_id text NOT NULL REFERENCES payables_invoice (id),
    position bigint NOT NULL,
    line_id text NOT NULL,
    item_name text NOT NULL,
    seller_item text,
    buyer_item text,
    quantity text NOT NULL,
    unit text NOT NULL,
    net_amount text NOT NULL,
    price text NOT NULL,
    base_quantity text NOT NULL,
    order_line text,
    tax_category text NOT NULL,
    tax_percent text,
    PRIMARY KEY (invoice_id, position)
);

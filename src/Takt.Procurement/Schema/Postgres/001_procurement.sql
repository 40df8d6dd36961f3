-- Suppliers: a supplier may be a registered API client (client_id): it then sees and updates only its own orders.
CREATE TABLE proc_supplier (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    currency TEXT NOT NULL,
    payment_terms_days BIGINT NOT NULL,
    risk TEXT NOT NULL DEFAULT 'low',
    client_id TEXT
);
CREATE INDEX proc_supplier_client ON proc_supplier (client_id);

-- Purchasing data of an item: whether receipts go to quality-inspection stock first.
CREATE TABLE proc_item (
    item TEXT PRIMARY KEY,
    requires_inspection BIGINT NOT NULL DEFAULT 0
);

-- Budgets per plant and category (company currency); commitment = open requisitions + open purchase orders.
CREATE TABLE proc_budget (
    plant TEXT NOT NULL,
    category TEXT NOT NULL,
    amount_e4 BIGINT NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (plant, category)
);

CREATE TABLE proc_requisition (
    number TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('manual', 'planning', 'expedite')),
    status TEXT NOT NULL CHECK (status IN ('pending-approval', 'approved', 'rejected', 'ordered', 'cancelled')),
    plant TEXT NOT NULL,
    item TEXT,
    service TEXT,
    quantity_e6 BIGINT NOT NULL,
    unit TEXT NOT NULL,
    need_date BIGINT NOT NULL,
    cost_object TEXT NOT NULL,
    category TEXT NOT NULL,
    value_e4 BIGINT NOT NULL,
    currency TEXT NOT NULL,
    price_e4 BIGINT,
    supplier TEXT,
    urgency TEXT,
    reason TEXT,
    disruption TEXT,
    requester TEXT NOT NULL,
    routing TEXT NOT NULL,
    over_budget BIGINT NOT NULL,
    approval_instance TEXT,
    purchase_order TEXT,
    po_line BIGINT,
    created_at_us BIGINT NOT NULL,
    decided_at_us BIGINT,
    ordered_at_us BIGINT
);
CREATE INDEX proc_requisition_status ON proc_requisition (plant, category, status);
CREATE INDEX proc_requisition_instance ON proc_requisition (approval_instance);

CREATE TABLE proc_po (
    number TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    supplier TEXT NOT NULL,
    currency TEXT NOT NULL,
    incoterms TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending-approval', 'issued', 'confirmed', 'rejected', 'cancelled', 'closed')),
    buyer TEXT NOT NULL,
    approved_by TEXT,
    approval_instance TEXT,
    revision BIGINT NOT NULL,
    acknowledgement TEXT,
    supplier_seq BIGINT NOT NULL DEFAULT 0,
    created_at_us BIGINT NOT NULL,
    issued_at_us BIGINT,
    confirmed_at_us BIGINT,
    first_receipt_at_us BIGINT
);
CREATE INDEX proc_po_supplier ON proc_po (supplier);
CREATE INDEX proc_po_instance ON proc_po (approval_instance);

CREATE TABLE proc_po_line (
    po TEXT NOT NULL REFERENCES proc_po (number),
    line BIGINT NOT NULL,
    requisition TEXT,
    item TEXT NOT NULL,
    quantity_e6 BIGINT NOT NULL,
    unit TEXT NOT NULL,
    price_e4 BIGINT NOT NULL,
    delivery_date BIGINT NOT NULL,
    approved_quantity_e6 BIGINT NOT NULL,
    approved_price_e4 BIGINT NOT NULL,
    confirmed_quantity_e6 BIGINT,
    confirmed_date BIGINT,
    received_e6 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (po, line)
);

-- Advance shipping notices, by the supplier's own number.
CREATE TABLE proc_asn (
    supplier TEXT NOT NULL,
    number TEXT NOT NULL,
    po TEXT NOT NULL,
    lines TEXT NOT NULL,
    ship_date BIGINT NOT NULL,
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (supplier, number)
);

-- Supplier messages (acknowledgements, ASNs) by the supplier's message id: a repeat has no second effect.
CREATE TABLE proc_supplier_message (
    supplier TEXT NOT NULL,
    message_id TEXT NOT NULL,
    po TEXT NOT NULL,
    kind TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    received_at_us BIGINT NOT NULL,
    PRIMARY KEY (supplier, message_id)
);

-- Exceptions raised to the buyer (supplier changes outside tolerance, rejections, late confirmations).
CREATE TABLE proc_exception (
    id TEXT PRIMARY KEY,
    po TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at_us BIGINT NOT NULL
);
CREATE INDEX proc_exception_po ON proc_exception (po);

-- Goods receipts and returns: each one line, with its postings; a return names the receipt it reverses.
CREATE TABLE proc_receipt (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'return')),
    po TEXT NOT NULL,
    line BIGINT NOT NULL,
    asn TEXT,
    plant TEXT NOT NULL,
    item TEXT NOT NULL,
    quantity_e6 BIGINT NOT NULL,
    unit TEXT NOT NULL,
    stock_type TEXT NOT NULL,
    currency TEXT NOT NULL,
    inventory_e4 BIGINT NOT NULL,
    grir_e4 BIGINT NOT NULL,
    ppv_e4 BIGINT NOT NULL,
    journal_entry TEXT,
    movement TEXT NOT NULL,
    reverses TEXT,
    returned_e6 BIGINT NOT NULL DEFAULT 0,
    posting_date BIGINT NOT NULL,
    received_by TEXT NOT NULL,
    created_at_us BIGINT NOT NULL
);
CREATE INDEX proc_receipt_po ON proc_receipt (po, line);

CREATE TABLE proc_counter (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

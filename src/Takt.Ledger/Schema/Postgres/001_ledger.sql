CREATE TABLE ledger_account (
    number text PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('asset', 'liability', 'equity', 'expense', 'revenue'))
);
-- Periods are calendar months (yyyymm) per company; a posting needs its period open.
CREATE TABLE ledger_period (
    company text NOT NULL,
    period bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'closed')),
    PRIMARY KEY (company, period)
);
-- DESIGN §3: account determination is data, per plant, movement and item class ('*' matches any class).
CREATE TABLE ledger_account_determination (
    plant text NOT NULL,
    movement text NOT NULL,
    item_class text NOT NULL,
    debit_account text NOT NULL REFERENCES ledger_account (number),
    credit_account text NOT NULL REFERENCES ledger_account (number),
    PRIMARY KEY (plant, movement, item_class)
);
CREATE TABLE ledger_journal_entry (
    id text PRIMARY KEY,
    company text NOT NULL,
    plant text,
    posting_date bigint NOT NULL,
    currency text NOT NULL,
    document_type text NOT NULL,
    source_type text,
    source_id text,
    source_origin text,
    event_time_us bigint,
    commit_id text NOT NULL,
    reverses text REFERENCES ledger_journal_entry (id),
    created_at_us bigint NOT NULL
);
CREATE INDEX ledger_journal_entry_date ON ledger_journal_entry (company, posting_date);
-- Amounts in 1/10,000 of the entry currency; exactly one side of a line is non-zero.
CREATE TABLE ledger_journal_line (
    entry_id text NOT NULL REFERENCES ledger_journal_entry (id),
    line_no bigint NOT NULL,
    account text NOT NULL REFERENCES ledger_account (number),
    debit_e4 bigint NOT NULL CHECK (debit_e4 >= 0),
    credit_e4 bigint NOT NULL CHECK (credit_e4 >= 0),
    order_number text,
    item text,
    work_center text,
    PRIMARY KEY (entry_id, line_no)
);
CREATE INDEX ledger_journal_line_order ON ledger_journal_line (order_number);

CREATE TABLE ledger_account (
    number TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'equity', 'expense', 'revenue'))
) WITHOUT ROWID;
-- Periods are calendar months (yyyymm) per company; a posting needs its period open.
CREATE TABLE ledger_period (
    company TEXT NOT NULL,
    period INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    PRIMARY KEY (company, period)
) WITHOUT ROWID;
-- DESIGN §3: account determination is data, per plant, movement and item class ('*' matches any class).
CREATE TABLE ledger_account_determination (
    plant TEXT NOT NULL,
    movement TEXT NOT NULL,
    item_class TEXT NOT NULL,
    debit_account TEXT NOT NULL REFERENCES ledger_account (number),
    credit_account TEXT NOT NULL REFERENCES ledger_account (number),
    PRIMARY KEY (plant, movement, item_class)
) WITHOUT ROWID;
CREATE TABLE ledger_journal_entry (
    id TEXT PRIMARY KEY,
    company TEXT NOT NULL,
    plant TEXT,
    posting_date INTEGER NOT NULL,
    currency TEXT NOT NULL,
    document_type TEXT NOT NULL,
    source_type TEXT,
    source_id TEXT,
    source_origin TEXT,
    event_time_us INTEGER,
    commit_id TEXT NOT NULL,
    reverses TEXT REFERENCES ledger_journal_entry (id),
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ledger_journal_entry_date ON ledger_journal_entry (company, posting_date);
-- Amounts in 1/10,000 of the entry currency; exactly one side of a line is non-zero.
CREATE TABLE ledger_journal_line (
    entry_id TEXT NOT NULL REFERENCES ledger_journal_entry (id),
    line_no INTEGER NOT NULL,
    account TEXT NOT NULL REFERENCES ledger_account (number),
    debit_e4 INTEGER NOT NULL CHECK (debit_e4 >= 0),
    credit_e4 INTEGER NOT NULL CHECK (credit_e4 >= 0),
    order_number TEXT,
    item TEXT,
    work_center TEXT,
    PRIMARY KEY (entry_id, line_no)
) WITHOUT ROWID;
CREATE INDEX ledger_journal_line_order ON ledger_journal_line (order_number);

-- Totals per company, account, period and cost object (production order; '' for none), kept in the posting
-- transaction (DESIGN §3). Balances and order cost reports read these instead of summing every line.
CREATE TABLE ledger_balance (
    company TEXT NOT NULL,
    account TEXT NOT NULL REFERENCES ledger_account (number),
    period INTEGER NOT NULL,
    order_number TEXT NOT NULL,
    debit_e4 INTEGER NOT NULL,
    credit_e4 INTEGER NOT NULL,
    PRIMARY KEY (company, account, period, order_number)
) WITHOUT ROWID;
INSERT INTO ledger_balance (company, account, period, order_number, debit_e4, credit_e4)
    SELECT e.company, l.account, e.posting_date / 100, COALESCE(l.order_number, ''), SUM(l.debit_e4), SUM(l.credit_e4)
    FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id
    GROUP BY e.company, l.account, e.posting_date / 100, COALESCE(l.order_number, '');

-- The index of lines by order scattered every batch's writes over hundreds of pages (the most expensive write
-- of a posting); the order's totals are above, and its entries are reached through the process log's links.
-- On SQLite a line no longer checks its entry by foreign key: the ledger writes both in one statement group,
-- and PostgreSQL, where every test runs too, keeps the constraint.
CREATE TABLE ledger_journal_line_new (
    entry_id TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    account TEXT NOT NULL REFERENCES ledger_account (number),
    debit_e4 INTEGER NOT NULL CHECK (debit_e4 >= 0),
    credit_e4 INTEGER NOT NULL CHECK (credit_e4 >= 0),
    order_number TEXT,
    item TEXT,
    work_center TEXT,
    PRIMARY KEY (entry_id, line_no)
) WITHOUT ROWID;
INSERT INTO ledger_journal_line_new SELECT entry_id, line_no, account, debit_e4, credit_e4, order_number, item, work_center FROM ledger_journal_line;
DROP TABLE ledger_journal_line;
ALTER TABLE ledger_journal_line_new RENAME TO ledger_journal_line;

-- Totals per company, account, period and cost object (production order; '' for none), kept in the posting
-- transaction (DESIGN §3). Balances and order cost reports read these instead of summing every line.
CREATE TABLE ledger_balance (
    company text NOT NULL,
    account text NOT NULL REFERENCES ledger_account (number),
    period integer NOT NULL,
    order_number text NOT NULL,
    debit_e4 bigint NOT NULL,
    credit_e4 bigint NOT NULL,
    PRIMARY KEY (company, account, period, order_number)
);
INSERT INTO ledger_balance (company, account, period, order_number, debit_e4, credit_e4)
    SELECT e.company, l.account, e.posting_date / 100, COALESCE(l.order_number, ''), SUM(l.debit_e4), SUM(l.credit_e4)
    FROM ledger_journal_line l JOIN ledger_journal_entry e ON e.id = l.entry_id
    GROUP BY e.company, l.account, e.posting_date / 100, COALESCE(l.order_number, '');

-- The order's totals are above; its entries are reached through the process log's links.
DROP INDEX ledger_journal_line_order;

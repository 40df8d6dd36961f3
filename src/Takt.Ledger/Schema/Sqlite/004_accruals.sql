-- Accruals (DESIGN §3): proposed (by a flow or a person), approved by someone else, posted (expense / accrued
-- liabilities, determined by movement 'accrual' and the cost category), reversed on the first day of the next period.
CREATE TABLE ledger_accrual (
    id TEXT PRIMARY KEY,
    company TEXT NOT NULL,
    plant TEXT NOT NULL,
    period INTEGER NOT NULL,
    posting_date INTEGER NOT NULL,
    reverse_on INTEGER NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    amount_e4 INTEGER NOT NULL CHECK (amount_e4 > 0),
    currency TEXT NOT NULL,
    order_number TEXT,
    source TEXT,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'posted', 'reversed')),
    proposed_by TEXT NOT NULL,
    approved_by TEXT,
    posted_by TEXT,
    entry_id TEXT,
    reversal_entry_id TEXT,
    created_at_us INTEGER NOT NULL,
    changed_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ledger_accrual_period ON ledger_accrual (company, period, status);
CREATE INDEX ledger_accrual_due ON ledger_accrual (status, reverse_on);

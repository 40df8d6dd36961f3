-- Accruals (DESIGN §3): proposed (by a flow or a person), approved by someone else, posted (expense / accrued
-- liabilities, determined by movement 'accrual' and the cost category), reversed on the first day of the next period.
CREATE TABLE ledger_accrual (
    id text PRIMARY KEY,
    company text NOT NULL,
    plant text NOT NULL,
    period bigint NOT NULL,
    posting_date bigint NOT NULL,
    reverse_on bigint NOT NULL,
    category text NOT NULL,
    description text NOT NULL,
    amount_e4 bigint NOT NULL CHECK (amount_e4 > 0),
    currency text NOT NULL,
    order_number text,
    source text,
    status text NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'posted', 'reversed')),
    proposed_by text NOT NULL,
    approved_by text,
    posted_by text,
    entry_id text,
    reversal_entry_id text,
    created_at_us bigint NOT NULL,
    changed_at_us bigint NOT NULL
);
CREATE INDEX ledger_accrual_period ON ledger_accrual (company, period, status);
CREATE INDEX ledger_accrual_due ON ledger_accrual (status, reverse_on);

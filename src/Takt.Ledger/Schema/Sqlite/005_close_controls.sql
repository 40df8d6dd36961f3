-- Close controls (issue 10): explanations of aged GR/IR open items (who, when, why) and reopen requests of closed
-- periods, approved or rejected by a second person.
CREATE TABLE ledger_close_explanation (
    id TEXT PRIMARY KEY,
    company TEXT NOT NULL,
    period INTEGER NOT NULL,
    item TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ledger_close_explanation_period ON ledger_close_explanation (company, period, item);

CREATE TABLE ledger_period_reopen (
    id TEXT PRIMARY KEY,
    company TEXT NOT NULL,
    period INTEGER NOT NULL,
    to_status TEXT NOT NULL,
    allows TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at_us INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by TEXT,
    decision_reason TEXT,
    decided_at_us INTEGER
) WITHOUT ROWID;
CREATE INDEX ledger_period_reopen_period ON ledger_period_reopen (company, period, status);

-- Who recorded an exchange rate, and when (rates set up through the API).
ALTER TABLE ledger_exchange_rate ADD COLUMN actor TEXT;
ALTER TABLE ledger_exchange_rate ADD COLUMN at_us INTEGER;

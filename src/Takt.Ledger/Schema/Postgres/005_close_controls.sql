-- Close controls (issue 10): explanations of aged GR/IR open items (who, when, why) and reopen requests of closed
-- periods, approved or rejected by a second person.
CREATE TABLE ledger_close_explanation (
    id text PRIMARY KEY,
    company text NOT NULL,
    period bigint NOT NULL,
    item text NOT NULL,
    reason text NOT NULL,
    actor text NOT NULL,
    at_us bigint NOT NULL
);
CREATE INDEX ledger_close_explanation_period ON ledger_close_explanation (company, period, item);

CREATE TABLE ledger_period_reopen (
    id text PRIMARY KEY,
    company text NOT NULL,
    period bigint NOT NULL,
    to_status text NOT NULL,
    allows text NOT NULL,
    reason text NOT NULL,
    requested_by text NOT NULL,
    requested_at_us bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by text,
    decision_reason text,
    decided_at_us bigint
);
CREATE INDEX ledger_period_reopen_period ON ledger_period_reopen (company, period, status);

-- Who recorded an exchange rate, and when (rates set up through the API).
ALTER TABLE ledger_exchange_rate ADD COLUMN actor text;
ALTER TABLE ledger_exchange_rate ADD COLUMN at_us bigint;

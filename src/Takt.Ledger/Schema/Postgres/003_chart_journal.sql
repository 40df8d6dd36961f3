-- Companies the ledger keeps books for, in their company currency (entries in another currency carry both).
CREATE TABLE ledger_company (
    code text PRIMARY KEY,
    currency text NOT NULL
);
-- The chart of accounts per company: which accounts of ledger_account a company uses, their normal balance, and
-- the subledger that owns a control account (only that subledger's postings may reach it, never a manual entry).
CREATE TABLE ledger_company_account (
    company text NOT NULL,
    account text NOT NULL REFERENCES ledger_account (number),
    normal_balance text NOT NULL CHECK (normal_balance IN ('debit', 'credit')),
    control_subledger text,
    PRIMARY KEY (company, account)
);
-- Period states: open; soft-closed (only the posting types or roles listed in soft_close_allows); closed.
-- fiscal_year names the fiscal year the month belongs to (journal numbering restarts per fiscal year).
CREATE TABLE ledger_period_new (
    company text NOT NULL,
    period bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'soft-closed', 'closed')),
    fiscal_year bigint NOT NULL,
    soft_close_allows text NOT NULL DEFAULT '',
    PRIMARY KEY (company, period)
);
INSERT INTO ledger_period_new (company, period, status, fiscal_year) SELECT company, period, status, period / 100 FROM ledger_period;
DROP TABLE ledger_period;
ALTER TABLE ledger_period_new RENAME TO ledger_period;
-- Every change of a period's state: who, when, why (reopening needs a reason).
CREATE TABLE ledger_period_change (
    id text PRIMARY KEY,
    company text NOT NULL,
    period bigint NOT NULL,
    from_status text,
    to_status text NOT NULL,
    actor text NOT NULL,
    reason text NOT NULL,
    at_us bigint NOT NULL
);
CREATE INDEX ledger_period_change_period ON ledger_period_change (company, period);
-- DESIGN §3: account determination as data, versioned and effective-dated. '*' in a key matches any value; the
-- most specific rule wins; of a rule's versions the latest with valid_from <= posting date < valid_to applies.
CREATE TABLE ledger_determination_rule (
    company text NOT NULL,
    plant text NOT NULL,
    item_class text NOT NULL,
    movement text NOT NULL,
    valuation_class text NOT NULL,
    cost_category text NOT NULL,
    version bigint NOT NULL,
    valid_from bigint NOT NULL,
    valid_to bigint,
    debit_account text NOT NULL REFERENCES ledger_account (number),
    credit_account text NOT NULL REFERENCES ledger_account (number),
    actor text NOT NULL,
    created_at_us bigint NOT NULL,
    PRIMARY KEY (company, plant, item_class, movement, valuation_class, cost_category, version)
);
INSERT INTO ledger_determination_rule (company, plant, item_class, movement, valuation_class, cost_category, version, valid_from, valid_to, debit_account, credit_account, actor, created_at_us)
    SELECT '*', plant, item_class, movement, '*', '*', 1, 0, NULL, debit_account, credit_account, 'migration', 0 FROM ledger_account_determination;
-- Exchange rates as data: units of to_currency per unit of from_currency, valid from a date.
CREATE TABLE ledger_exchange_rate (
    from_currency text NOT NULL,
    to_currency text NOT NULL,
    valid_from bigint NOT NULL,
    rate text NOT NULL,
    PRIMARY KEY (from_currency, to_currency, valid_from)
);
-- Counters per company: journal numbers per fiscal year ('journal-2026') and the audit chain ('chain'). A posting
-- transaction reads them once and adds what it used once, at its flush.
CREATE TABLE ledger_counter (
    company text NOT NULL,
    name text NOT NULL,
    value bigint NOT NULL,
    PRIMARY KEY (company, name)
);
-- Gap-free number per company and fiscal year, the audit chain (sequence and hash over the previous entry's
-- hash and this entry's content), company currency and rate, and who and why for manual entries and reversals.
ALTER TABLE ledger_journal_entry ADD COLUMN fiscal_year bigint;
ALTER TABLE ledger_journal_entry ADD COLUMN number bigint;
ALTER TABLE ledger_journal_entry ADD COLUMN chain_seq bigint;
ALTER TABLE ledger_journal_entry ADD COLUMN hash text;
ALTER TABLE ledger_journal_entry ADD COLUMN company_currency text;
ALTER TABLE ledger_journal_entry ADD COLUMN rate text;
ALTER TABLE ledger_journal_entry ADD COLUMN actor text;
ALTER TABLE ledger_journal_entry ADD COLUMN reason text;
CREATE UNIQUE INDEX ledger_journal_entry_number ON ledger_journal_entry (company, fiscal_year, number);
CREATE UNIQUE INDEX ledger_journal_entry_chain ON ledger_journal_entry (company, chain_seq);
CREATE INDEX ledger_journal_entry_reverses ON ledger_journal_entry (reverses) WHERE reverses IS NOT NULL;
-- Company-currency amounts (equal to the transaction amounts when the entry is in the company currency).
ALTER TABLE ledger_journal_line ADD COLUMN debit_local_e4 bigint NOT NULL DEFAULT 0;
ALTER TABLE ledger_journal_line ADD COLUMN credit_local_e4 bigint NOT NULL DEFAULT 0;
UPDATE ledger_journal_line SET debit_local_e4 = debit_e4, credit_local_e4 = credit_e4;

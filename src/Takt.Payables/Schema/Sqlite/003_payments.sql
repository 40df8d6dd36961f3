-- Acting on exceptions and paying (docs/payables.md): what each posted document put on the AP control accounts in
-- the company currency, how an exception was decided (flow outcome, duplicate decision), and payment runs with the
-- documents they paid (each document at most once) and their postings. Amounts are exact decimal text.

-- AP the document's journal entry put on the payables control accounts, company currency, credit positive (credit
-- notes negative); what the AP subledger sums. Documents posted before this column existed were posted in the
-- company currency: their amount due is that value.
ALTER TABLE payables_match ADD COLUMN ap_local TEXT;
UPDATE payables_match SET ap_local = payable WHERE state = 'posted';
-- A rejected invoice (disputed in its flow, or confirmed a duplicate): never posted, never paid.
ALTER TABLE payables_match ADD COLUMN rejected_at_us INTEGER;
ALTER TABLE payables_match ADD COLUMN rejection TEXT;

-- Every decision on an invoice's exception: who or which flow decided what, and why.
CREATE TABLE payables_decision (
    id TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES payables_invoice (id),
    exception_id TEXT,
    decision TEXT NOT NULL CHECK (decision IN ('released', 'rejected', 'duplicate', 'not-duplicate')),
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX payables_decision_invoice ON payables_decision (invoice_id, decided_at_us);

-- A payment run: what it paid by when, and its journal entries (one per currency).
CREATE TABLE payables_payment_run (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    due_by TEXT NOT NULL,
    payment_date TEXT NOT NULL,
    documents INTEGER NOT NULL,
    run_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX payables_payment_run_plant ON payables_payment_run (plant, created_at_us);

-- The documents a run paid: an invoice or credit note is paid once (the primary key refuses a second payment).
CREATE TABLE payables_payment (
    invoice_id TEXT PRIMARY KEY REFERENCES payables_invoice (id),
    run_id TEXT NOT NULL REFERENCES payables_payment_run (id),
    supplier TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    journal_entry TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX payables_payment_run_docs ON payables_payment (run_id);

-- A run's posting per currency: AP against bank; ap_local is what it cleared on the AP control accounts (company
-- currency, debit positive).
CREATE TABLE payables_payment_posting (
    run_id TEXT NOT NULL REFERENCES payables_payment_run (id),
    currency TEXT NOT NULL,
    plant TEXT NOT NULL,
    amount TEXT NOT NULL,
    ap_local TEXT NOT NULL,
    journal_entry TEXT NOT NULL,
    PRIMARY KEY (run_id, currency)
) WITHOUT ROWID;

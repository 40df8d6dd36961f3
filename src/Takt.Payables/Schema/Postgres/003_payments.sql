-- Acting on exceptions and paying (docs/payables.md): what each posted document put on the AP control accounts in
-- the company currency, how an exception was decided (flow outcome, duplicate decision), and payment runs with the
-- documents they paid (each document at most once) and their postings. Amounts are exact decimal text.

-- AP the document's journal entry put on the payables control accounts, company currency, credit positive (credit
-- notes negative); what the AP subledger sums. Documents posted before this column existed were posted in the
-- company currency: their amount due is that value.
ALTER TABLE payables_match ADD COLUMN ap_local text;
UPDATE payables_match SET ap_local = payable WHERE state = 'posted';
-- A rejected invoice (disputed in its flow, or confirmed a duplicate): never posted, never paid.
ALTER TABLE payables_match ADD COLUMN rejected_at_us bigint;
ALTER TABLE payables_match ADD COLUMN rejection text;

-- Every decision on an invoice's exception: who or which flow decided what, and why.
CREATE TABLE payables_decision (
    id text PRIMARY KEY,
    invoice_id text NOT NULL REFERENCES payables_invoice (id),
    exception_id text,
    decision text NOT NULL CHECK (decision IN ('released', 'rejected', 'duplicate', 'not-duplicate')),
    outcome text NOT NULL,
    reason text NOT NULL,
    decided_by text NOT NULL,
    decided_at_us bigint NOT NULL
);
CREATE INDEX payables_decision_invoice ON payables_decision (invoice_id, decided_at_us);

-- A payment run: what it paid by when, and its journal entries (one per currency).
CREATE TABLE payables_payment_run (
    id text PRIMARY KEY,
    plant text NOT NULL,
    due_by text NOT NULL,
    payment_date text NOT NULL,
    documents bigint NOT NULL,
    run_by text NOT NULL,
    created_at_us bigint NOT NULL
);
CREATE INDEX payables_payment_run_plant ON payables_payment_run (plant, created_at_us);

-- The documents a run paid: an invoice or credit note is paid once (the primary key refuses a second payment).
CREATE TABLE payables_payment (
    invoice_id text PRIMARY KEY REFERENCES payables_invoice (id),
    run_id text NOT NULL REFERENCES payables_payment_run (id),
    supplier text NOT NULL,
    currency text NOT NULL,
    amount text NOT NULL,
    journal_entry text NOT NULL
);
CREATE INDEX payables_payment_run_docs ON payables_payment (run_id);

-- A run's posting per currency: AP against bank; ap_local is what it cleared on the AP control accounts (company
-- currency, debit positive).
CREATE TABLE payables_payment_posting (
    run_id text NOT NULL REFERENCES payables_payment_run (id),
    currency text NOT NULL,
    plant text NOT NULL,
    amount text NOT NULL,
    ap_local text NOT NULL,
    journal_entry text NOT NULL,
    PRIMARY KEY (run_id, currency)
);

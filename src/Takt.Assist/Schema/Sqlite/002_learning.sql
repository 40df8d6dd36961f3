-- What each invoice exception looked like when it was raised (the classifier's inputs), whether or not a model advised
-- on it: training from resolved exceptions joins payables' resolution (the label) to these features.
CREATE TABLE assist_invoice_case (
    subject TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    inputs TEXT NOT NULL,
    recorded_at_us INTEGER NOT NULL
) WITHOUT ROWID;

-- What a model version was trained on: rows from the log and generated rows, labels, the log's examples (JSON).
ALTER TABLE assist_model ADD COLUMN training_set TEXT;


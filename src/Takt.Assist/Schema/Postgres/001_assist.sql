-- Model versions (docs/assist.md): trained → candidate; a person approves a version for a scope (* or a plant).
-- A model never promotes itself: approved_by is a person, never the trainer.
CREATE TABLE assist_model (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('candidate', 'approved', 'retired')),
    algorithm TEXT NOT NULL,
    source TEXT NOT NULL,
    trained_by TEXT NOT NULL,
    trained_at_us BIGINT NOT NULL,
    training_rows BIGINT NOT NULL,
    holdout_rows BIGINT NOT NULL,
    metrics TEXT NOT NULL,
    importance TEXT NOT NULL,
    approved_by TEXT,
    approved_at_us BIGINT,
    approval_scope TEXT,
    model BYTEA,
    UNIQUE (kind, version)
);

-- Every suggestion a model made, with what it saw and why; person_only = 1 when it may not act by itself
-- (confidence below the threshold, model not approved, or plant outside the approval's scope).
CREATE TABLE assist_suggestion (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    model_id TEXT NOT NULL REFERENCES assist_model (id),
    model_version BIGINT NOT NULL,
    plant TEXT,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    inputs TEXT NOT NULL,
    output TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    explanation TEXT NOT NULL,
    person_only BIGINT NOT NULL,
    person_only_reason TEXT,
    created_at_us BIGINT NOT NULL,
    outcome TEXT CHECK (outcome IN ('accepted', 'overridden', 'rejected')),
    decided_by TEXT,
    decided_at_us BIGINT,
    decided_value TEXT
);
CREATE INDEX assist_suggestion_kind ON assist_suggestion (kind, created_at_us);
CREATE INDEX assist_suggestion_plant ON assist_suggestion (plant, created_at_us);

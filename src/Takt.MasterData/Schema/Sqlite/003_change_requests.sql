-- Issue 6: a change to governed fields (standard cost, released BOM) proposed for approval when the
-- masterdata-change-approval standard is published: the whole document waits, then applies or not.
CREATE TABLE masterdata_change_request (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'rejected', 'failed')),
    proposed_by TEXT NOT NULL,
    proposed_at_us INTEGER NOT NULL,
    reason TEXT NOT NULL,
    summary TEXT NOT NULL,
    document TEXT NOT NULL,
    approval_instance TEXT NOT NULL,
    decided_at_us INTEGER,
    outcome TEXT
) WITHOUT ROWID;
CREATE INDEX masterdata_change_request_status ON masterdata_change_request (status, plant);

-- Issue 6: a change to governed fields (standard cost, released BOM) proposed for approval when the
-- masterdata-change-approval standard is published: the whole document waits, then applies or not.
CREATE TABLE masterdata_change_request (
    id text PRIMARY KEY,
    plant text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'applied', 'rejected', 'failed')),
    proposed_by text NOT NULL,
    proposed_at_us bigint NOT NULL,
    reason text NOT NULL,
    summary text NOT NULL,
    document text NOT NULL,
    approval_instance text NOT NULL,
    decided_at_us bigint,
    outcome text
);
CREATE INDEX masterdata_change_request_status ON masterdata_change_request (status, plant);

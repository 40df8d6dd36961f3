-- Issue 14: a new plant from a template plant. A proposal keeps the plan (what will be created); a second
-- person's approval creates all of it in one transaction and keeps the report.
CREATE TABLE server_plant_onboarding (
    code text PRIMARY KEY,
    template text NOT NULL,
    status text NOT NULL CHECK (status IN ('proposed', 'live')),
    request text NOT NULL,
    plan text NOT NULL,
    proposed_by text NOT NULL,
    proposed_at_us bigint NOT NULL,
    approved_by text,
    approved_at_us bigint,
    report text
);

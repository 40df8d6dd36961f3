-- Issue 14: a new plant from a template plant. A proposal keeps the plan (what will be created); a second
-- person's approval creates all of it in one transaction and keeps the report.
CREATE TABLE server_plant_onboarding (
    code TEXT PRIMARY KEY,
    template TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'live')),
    request TEXT NOT NULL,
    plan TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at_us INTEGER NOT NULL,
    approved_by TEXT,
    approved_at_us INTEGER,
    report TEXT
);

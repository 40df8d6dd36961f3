-- Flow standards: versioned documents (the YAML as written, and its parsed definition). draft → published → retired.
CREATE TABLE orch_standard (
    flow TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    title TEXT NOT NULL,
    owner_role TEXT NOT NULL,
    category TEXT NOT NULL,
    trigger_event TEXT,
    document TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    published_at_us INTEGER,
    retired_at_us INTEGER,
    PRIMARY KEY (flow, version)
);

-- A plant's settings of a standard version's variation points: proposed → active (approved by the process owner) or rejected.
CREATE TABLE orch_variant (
    id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    version INTEGER NOT NULL,
    plant TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'rejected', 'superseded')),
    settings TEXT NOT NULL,
    document TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    approval_instance TEXT,
    created_at_us INTEGER NOT NULL,
    decided_at_us INTEGER,
    FOREIGN KEY (flow, version) REFERENCES orch_standard (flow, version)
);
CREATE INDEX orch_variant_plant ON orch_variant (plant, flow, status);

-- A running flow, pinned to its standard version and variant.
CREATE TABLE orch_instance (
    id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    version INTEGER NOT NULL,
    variant_id TEXT,
    plant TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    outcome TEXT,
    requester TEXT NOT NULL,
    variables TEXT NOT NULL,
    started_at_us INTEGER NOT NULL,
    completed_at_us INTEGER,
    trigger_event TEXT,
    exception_id TEXT,
    FOREIGN KEY (flow, version) REFERENCES orch_standard (flow, version)
);
CREATE INDEX orch_instance_flow ON orch_instance (plant, flow, status);

-- Work due: a step to enter, a timer, an SLA reminder or escalation. A worker claims due rows (SKIP LOCKED) and deletes
-- them in the transaction that commits the step's effects: a row is done exactly when its effects are.
CREATE TABLE orch_work (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    step TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_at_us INTEGER NOT NULL,
    task_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX orch_work_due ON orch_work (due_at_us);
CREATE INDEX orch_work_instance ON orch_work (instance_id);

-- Every step transition, in order: what ran, its outcome, which node ran it (no unique key: a step run twice would show).
CREATE TABLE orch_step_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    step TEXT NOT NULL,
    event TEXT NOT NULL,
    outcome TEXT,
    node TEXT NOT NULL,
    at_us INTEGER NOT NULL,
    detail TEXT
);
CREATE INDEX orch_step_log_instance ON orch_step_log (instance_id, seq);

-- Parallel branches arriving at their join.
CREATE TABLE orch_join (
    instance_id TEXT NOT NULL,
    step TEXT NOT NULL,
    arrived INTEGER NOT NULL,
    PRIMARY KEY (instance_id, step)
);

-- Waits for a canonical event (wait steps), matched by the trigger subscriber of the outbox.
CREATE TABLE orch_wait (
    instance_id TEXT NOT NULL,
    step TEXT NOT NULL,
    event_type TEXT NOT NULL,
    correlation TEXT NOT NULL,
    PRIMARY KEY (instance_id, step)
);
CREATE INDEX orch_wait_event ON orch_wait (event_type, correlation);

-- Human tasks (approvals, exception handling): role × plant × cost center.
CREATE TABLE orch_task (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    step TEXT NOT NULL,
    kind TEXT NOT NULL,
    plant TEXT NOT NULL,
    cost_center TEXT,
    role TEXT NOT NULL,
    level INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected', 'completed', 'cancelled')),
    assignee TEXT,
    title TEXT NOT NULL,
    explanation TEXT,
    created_at_us INTEGER NOT NULL,
    due_at_us INTEGER,
    decided_at_us INTEGER,
    decided_by TEXT,
    decided_role TEXT,
    comment TEXT,
    reminders INTEGER NOT NULL DEFAULT 0,
    escalations INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX orch_task_open ON orch_task (status, plant, role);
CREATE INDEX orch_task_instance ON orch_task (instance_id, step);

-- The history of each task: created, claimed, delegated, reassigned, reminded, escalated, approved, rejected.
CREATE TABLE orch_task_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT,
    at_us INTEGER NOT NULL,
    detail TEXT
);
CREATE INDEX orch_task_history_task ON orch_task_history (task_id, seq);

-- The routing of an approval step (levels, roles, explanations) as decided when the step was entered.
CREATE TABLE orch_approval (
    instance_id TEXT NOT NULL,
    step TEXT NOT NULL,
    routing TEXT NOT NULL,
    level INTEGER NOT NULL,
    PRIMARY KEY (instance_id, step)
);

-- Who holds which role where (cost center '*': all).
CREATE TABLE orch_role_assignment (
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    plant TEXT NOT NULL,
    cost_center TEXT NOT NULL,
    PRIMARY KEY (user_id, role, plant, cost_center)
);

-- Roles one person may not both act in within one instance (segregation of duties).
CREATE TABLE orch_sod_conflict (
    role_a TEXT NOT NULL,
    role_b TEXT NOT NULL,
    PRIMARY KEY (role_a, role_b)
);

-- Delegation-of-authority matrices: versioned documents like the standards.
CREATE TABLE orch_doa (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    document TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    PRIMARY KEY (name, version)
);

-- Business calendars per plant: time zone, shifts, holidays.
CREATE TABLE orch_calendar (
    plant TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);

-- Exceptions (events of a type an exception flow handles), and whether a standard flow resolved them.
CREATE TABLE orch_exception (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    plant TEXT,
    occurred_at_us INTEGER NOT NULL,
    instance_id TEXT,
    resolved_at_us INTEGER,
    resolution TEXT
);

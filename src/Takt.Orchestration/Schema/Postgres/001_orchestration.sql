-- Flow standards: versioned documents (the YAML as written, and its parsed definition). draft → published → retired.
CREATE TABLE orch_standard (
    flow text NOT NULL,
    version integer NOT NULL,
    status text NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    title text NOT NULL,
    owner_role text NOT NULL,
    category text NOT NULL,
    trigger_event text,
    document text NOT NULL,
    definition text NOT NULL,
    created_by text NOT NULL,
    created_at_us bigint NOT NULL,
    published_at_us bigint,
    retired_at_us bigint,
    PRIMARY KEY (flow, version)
);

-- A plant's settings of a standard version's variation points: proposed → active (approved by the process owner) or rejected.
CREATE TABLE orch_variant (
    id text PRIMARY KEY,
    flow text NOT NULL,
    version integer NOT NULL,
    plant text NOT NULL,
    status text NOT NULL CHECK (status IN ('proposed', 'active', 'rejected', 'superseded')),
    settings text NOT NULL,
    document text NOT NULL,
    proposed_by text NOT NULL,
    approval_instance text,
    created_at_us bigint NOT NULL,
    decided_at_us bigint,
    FOREIGN KEY (flow, version) REFERENCES orch_standard (flow, version)
);
CREATE INDEX orch_variant_plant ON orch_variant (plant, flow, status);

-- A running flow, pinned to its standard version and variant.
CREATE TABLE orch_instance (
    id text PRIMARY KEY,
    flow text NOT NULL,
    version integer NOT NULL,
    variant_id text,
    plant text NOT NULL,
    status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    outcome text,
    requester text NOT NULL,
    variables text NOT NULL,
    started_at_us bigint NOT NULL,
    completed_at_us bigint,
    trigger_event text,
    exception_id text,
    FOREIGN KEY (flow, version) REFERENCES orch_standard (flow, version)
);
CREATE INDEX orch_instance_flow ON orch_instance (plant, flow, status);

-- Work due: a step to enter, a timer, an SLA reminder or escalation. A worker claims due rows (SKIP LOCKED) and deletes
-- them in the transaction that commits the step's effects: a row is done exactly when its effects are.
CREATE TABLE orch_work (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id text NOT NULL,
    step text NOT NULL,
    kind text NOT NULL,
    due_at_us bigint NOT NULL,
    task_id text,
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX orch_work_due ON orch_work (due_at_us);
CREATE INDEX orch_work_instance ON orch_work (instance_id);

-- Every step transition, in order: what ran, its outcome, which node ran it (no unique key: a step run twice would show).
CREATE TABLE orch_step_log (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id text NOT NULL,
    step text NOT NULL,
    event text NOT NULL,
    outcome text,
    node text NOT NULL,
    at_us bigint NOT NULL,
    detail text
);
CREATE INDEX orch_step_log_instance ON orch_step_log (instance_id, seq);

-- Parallel branches arriving at their join.
CREATE TABLE orch_join (
    instance_id text NOT NULL,
    step text NOT NULL,
    arrived integer NOT NULL,
    PRIMARY KEY (instance_id, step)
);

-- Waits for a canonical event (wait steps), matched by the trigger subscriber of the outbox.
CREATE TABLE orch_wait (
    instance_id text NOT NULL,
    step text NOT NULL,
    event_type text NOT NULL,
    correlation text NOT NULL,
    PRIMARY KEY (instance_id, step)
);
CREATE INDEX orch_wait_event ON orch_wait (event_type, correlation);

-- Human tasks (approvals, exception handling): role × plant × cost center.
CREATE TABLE orch_task (
    id text PRIMARY KEY,
    instance_id text NOT NULL,
    step text NOT NULL,
    kind text NOT NULL,
    plant text NOT NULL,
    cost_center text,
    role text NOT NULL,
    level integer NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'approved', 'rejected', 'completed', 'cancelled')),
    assignee text,
    title text NOT NULL,
    explanation text,
    created_at_us bigint NOT NULL,
    due_at_us bigint,
    decided_at_us bigint,
    decided_by text,
    decided_role text,
    comment text,
    reminders integer NOT NULL DEFAULT 0,
    escalations integer NOT NULL DEFAULT 0
);
CREATE INDEX orch_task_open ON orch_task (status, plant, role);
CREATE INDEX orch_task_instance ON orch_task (instance_id, step);

-- The history of each task: created, claimed, delegated, reassigned, reminded, escalated, approved, rejected.
CREATE TABLE orch_task_history (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id text NOT NULL,
    action text NOT NULL,
    actor text,
    at_us bigint NOT NULL,
    detail text
);
CREATE INDEX orch_task_history_task ON orch_task_history (task_id, seq);

-- The routing of an approval step (levels, roles, explanations) as decided when the step was entered.
CREATE TABLE orch_approval (
    instance_id text NOT NULL,
    step text NOT NULL,
    routing text NOT NULL,
    level integer NOT NULL,
    PRIMARY KEY (instance_id, step)
);

-- Who holds which role where (cost center '*': all).
CREATE TABLE orch_role_assignment (
    user_id text NOT NULL,
    role text NOT NULL,
    plant text NOT NULL,
    cost_center text NOT NULL,
    PRIMARY KEY (user_id, role, plant, cost_center)
);

-- Roles one person may not both act in within one instance (segregation of duties).
CREATE TABLE orch_sod_conflict (
    role_a text NOT NULL,
    role_b text NOT NULL,
    PRIMARY KEY (role_a, role_b)
);

-- Delegation-of-authority matrices: versioned documents like the standards.
CREATE TABLE orch_doa (
    name text NOT NULL,
    version integer NOT NULL,
    status text NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    document text NOT NULL,
    definition text NOT NULL,
    created_at_us bigint NOT NULL,
    PRIMARY KEY (name, version)
);

-- Business calendars per plant: time zone, shifts, holidays.
CREATE TABLE orch_calendar (
    plant text PRIMARY KEY,
    definition text NOT NULL
);

-- Exceptions (events of a type an exception flow handles), and whether a standard flow resolved them.
CREATE TABLE orch_exception (
    id text PRIMARY KEY,
    type text NOT NULL,
    plant text,
    occurred_at_us bigint NOT NULL,
    instance_id text,
    resolved_at_us bigint,
    resolution text
);

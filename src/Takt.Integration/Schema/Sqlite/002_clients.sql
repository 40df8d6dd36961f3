-- Registered clients (DESIGN §2.4): who may call the API, with which scopes, for which plants, how often.
-- scopes and plants are space-separated lists; plants NULL means every plant.
CREATE TABLE integration_client (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    scopes TEXT NOT NULL,
    plants TEXT,
    latency_objective_ms INTEGER NOT NULL,
    rate_limit_per_minute INTEGER NOT NULL,
    rate_limit_burst INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at_us INTEGER NOT NULL,
    revoked_at_us INTEGER
) WITHOUT ROWID;

-- API keys: only the SHA-256 of the key is kept; key_id is the public part of the key that finds the row.
CREATE TABLE integration_client_key (
    key_id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES integration_client (id),
    secret_sha256 TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER,
    revoked_at_us INTEGER
) WITHOUT ROWID;
CREATE INDEX integration_client_key_client ON integration_client_key (client_id);

-- Keys that sign OAuth2 access tokens (JWT, RS256); every node of one database signs and validates with them.
CREATE TABLE integration_signing_key (
    kid TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;

-- Idempotency-Key of state-changing POSTs, per client: the request's hash and, once it succeeded, its response.
-- status is NULL while the first request is running.
CREATE TABLE integration_idempotency (
    client_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body TEXT,
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
) WITHOUT ROWID;

-- Every API request's authorization decision.
CREATE TABLE integration_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at_us INTEGER NOT NULL,
    client_id TEXT,
    credential TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    endpoint TEXT,
    scope TEXT,
    plants TEXT,
    decision TEXT NOT NULL CHECK (decision IN ('allowed', 'denied', 'partial')),
    reason TEXT,
    status INTEGER NOT NULL,
    trace_id TEXT
);
CREATE INDEX integration_audit_client ON integration_audit (client_id, seq);

-- Registered clients (DESIGN §2.4): who may call the API, with which scopes, for which plants, how often.
-- scopes and plants are space-separated lists; plants NULL means every plant.
CREATE TABLE integration_client (
    id text PRIMARY KEY,
    name text NOT NULL,
    owner text NOT NULL,
    scopes text NOT NULL,
    plants text,
    latency_objective_ms integer NOT NULL,
    rate_limit_per_minute integer NOT NULL,
    rate_limit_burst integer NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at_us bigint NOT NULL,
    revoked_at_us bigint
);

-- API keys: only the SHA-256 of the key is kept; key_id is the public part of the key that finds the row.
CREATE TABLE integration_client_key (
    key_id text PRIMARY KEY,
    client_id text NOT NULL REFERENCES integration_client (id),
    secret_sha256 text NOT NULL,
    created_at_us bigint NOT NULL,
    expires_at_us bigint,
    revoked_at_us bigint
);
CREATE INDEX integration_client_key_client ON integration_client_key (client_id);

-- Keys that sign OAuth2 access tokens (JWT, RS256); every node of one database signs and validates with them.
CREATE TABLE integration_signing_key (
    kid text PRIMARY KEY,
    algorithm text NOT NULL,
    private_key_pem text NOT NULL,
    created_at_us bigint NOT NULL
);

-- Idempotency-Key of state-changing POSTs, per client: the request's hash and, once it succeeded, its response.
-- status is NULL while the first request is running.
CREATE TABLE integration_idempotency (
    client_id text NOT NULL,
    idempotency_key text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    request_sha256 text NOT NULL,
    status integer,
    content_type text,
    body text,
    created_at_us bigint NOT NULL,
    expires_at_us bigint NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);

-- Every API request's authorization decision.
CREATE TABLE integration_audit (
    seq bigserial PRIMARY KEY,
    at_us bigint NOT NULL,
    client_id text,
    credential text,
    method text NOT NULL,
    path text NOT NULL,
    endpoint text,
    scope text,
    plants text,
    decision text NOT NULL CHECK (decision IN ('allowed', 'denied', 'partial')),
    reason text,
    status integer NOT NULL,
    trace_id text
);
CREATE INDEX integration_audit_client ON integration_audit (client_id, seq);

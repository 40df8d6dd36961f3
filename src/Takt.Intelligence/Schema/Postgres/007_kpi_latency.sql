-- Production-to-posting latency maintained incrementally (see the SQLite script).
CREATE TABLE intel_kpi_latency (
    plant text NOT NULL,
    day bigint NOT NULL,
    latency_ms bigint NOT NULL,
    cases bigint NOT NULL,
    PRIMARY KEY (plant, day, latency_ms)
);
INSERT INTO intel_indexer (name, position) VALUES ('kpis', 0);

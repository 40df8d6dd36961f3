-- Production-to-posting latency maintained incrementally (DESIGN §5, issue 12): the KPI projector reads the
-- process log from its position (intel_indexer 'kpis') in batches and counts each posted event's latency, in
-- whole milliseconds, per plant and UTC day of the event's time. Percentiles of any run of days are read from
-- these counts (a few thousand rows per plant and day at most), not from the log.
CREATE TABLE intel_kpi_latency (
    plant TEXT NOT NULL,
    day INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL,
    cases INTEGER NOT NULL,
    PRIMARY KEY (plant, day, latency_ms)
) WITHOUT ROWID;
-- From the start of the log: the projector catches up with the history on its first turns.
INSERT INTO intel_indexer (name, position) VALUES ('kpis', 0);

-- The scheduled shop-floor anomaly scan's position per plant: the end of the last scanned range (exclusive). The next
-- scan reports only anomalies at or after it, so each anomaly is suggested once.
CREATE TABLE assist_scan_position (
    plant TEXT PRIMARY KEY,
    scanned_to_us BIGINT NOT NULL,
    scanned_at_us BIGINT NOT NULL
);

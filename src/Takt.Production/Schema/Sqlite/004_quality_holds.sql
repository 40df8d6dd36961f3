-- Issue 6: quality holds on an order or a lot, released through the quality-hold-release flow (who placed it,
-- when and why; the flow instance that decides it; who or what released it and the disposition).
CREATE TABLE production_quality_hold (
    id TEXT PRIMARY KEY,
    plant TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('order', 'lot')),
    order_number TEXT,
    item TEXT NOT NULL,
    lot TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_at_us INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'released', 'scrap-requested')),
    flow_instance TEXT,
    released_by TEXT,
    released_at_us INTEGER,
    disposition TEXT
) WITHOUT ROWID;
CREATE INDEX production_quality_hold_lot ON production_quality_hold (plant, item, lot, status);
CREATE INDEX production_quality_hold_order ON production_quality_hold (order_number, status);

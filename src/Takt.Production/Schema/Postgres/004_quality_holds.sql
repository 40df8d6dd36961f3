-- Issue 6: quality holds on an order or a lot, released through the quality-hold-release flow (who placed it,
-- when and why; the flow instance that decides it; who or what released it and the disposition).
CREATE TABLE production_quality_hold (
    id text PRIMARY KEY,
    plant text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('order', 'lot')),
    order_number text,
    item text NOT NULL,
    lot text NOT NULL DEFAULT '',
    reason text NOT NULL,
    placed_by text NOT NULL,
    placed_at_us bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'released', 'scrap-requested')),
    flow_instance text,
    released_by text,
    released_at_us bigint,
    disposition text
);
CREATE INDEX production_quality_hold_lot ON production_quality_hold (plant, item, lot, status);
CREATE INDEX production_quality_hold_order ON production_quality_hold (order_number, status);

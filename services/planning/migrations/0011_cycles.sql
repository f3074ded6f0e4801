-- +goose Up
-- Planning cycles ("2018 H1") and the one each carried forward ('' for
-- none), the cycle an element belongs to and the element of an earlier
-- cycle it continues ('' for none), and how a closed cycle's elements ended: each element of the
-- cycle, under one of its elements, or above them, as it was at the close
-- (its JSON), with its KPIs' statuses; own marks the cycle's own elements.
CREATE TABLE cycles (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    state INTEGER NOT NULL,
    close_time BIGINT,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL,
    predecessor_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, id)
);
CREATE TABLE cycle_elements (
    organisation_id TEXT NOT NULL,
    cycle_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
    own INTEGER NOT NULL,
    element TEXT NOT NULL,
    kpi_statuses TEXT NOT NULL,
    PRIMARY KEY (organisation_id, cycle_id, element_id)
);
ALTER TABLE elements ADD COLUMN cycle_id TEXT NOT NULL DEFAULT '';
ALTER TABLE elements ADD COLUMN predecessor_id TEXT NOT NULL DEFAULT '';

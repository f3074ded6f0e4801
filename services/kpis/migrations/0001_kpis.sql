-- +goose Up
-- KPIs. Times are microseconds since the Unix epoch; dates YYYY-MM-DD ('' for
-- none). targets and thresholds are the API's messages as JSON. The
-- latest_*, status, trend and due_date columns are computed from the
-- measurements whenever they or the targets change; due_date is when the
-- next value becomes late, so that the lateness sweep is one indexed query.
CREATE TABLE kpis (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    unit INTEGER NOT NULL,
    currency_code TEXT NOT NULL,
    direction INTEGER NOT NULL,
    baseline TEXT NOT NULL,
    targets TEXT NOT NULL,
    thresholds TEXT NOT NULL,
    frequency INTEGER NOT NULL,
    element_id TEXT NOT NULL,
    owner_team_id TEXT NOT NULL,
    data_source TEXT NOT NULL,
    latest_value DOUBLE PRECISION NOT NULL,
    latest_period_end TEXT NOT NULL,
    status INTEGER NOT NULL,
    trend INTEGER NOT NULL,
    due_date TEXT NOT NULL,
    element_deleted INTEGER NOT NULL DEFAULT 0,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    deleted_with_organisation INTEGER NOT NULL DEFAULT 0,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL,
    request_id TEXT UNIQUE,
    PRIMARY KEY (organisation_id, id)
);
CREATE INDEX kpis_element ON kpis (organisation_id, element_id);
CREATE INDEX kpis_title ON kpis (organisation_id, title, id);
CREATE INDEX kpis_due ON kpis (due_date) WHERE delete_time IS NULL AND due_date <> '';

-- Measurements: one live value per KPI and period. history is the JSON
-- list of earlier values (corrections).
CREATE TABLE measurements (
    organisation_id TEXT NOT NULL,
    kpi_id TEXT NOT NULL,
    id TEXT NOT NULL,
    period_end TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL,
    source TEXT NOT NULL,
    history TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL,
    request_id TEXT,
    PRIMARY KEY (organisation_id, kpi_id, id),
    UNIQUE (organisation_id, kpi_id, request_id)
);
CREATE UNIQUE INDEX measurements_live_period ON measurements (organisation_id, kpi_id, period_end) WHERE delete_time IS NULL;

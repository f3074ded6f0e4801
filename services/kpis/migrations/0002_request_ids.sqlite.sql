-- +goose Up
-- request_id moves to the kit's request_ids table, scoped to the collection
-- the resource was created in (a KPI's was unique across organisations, so
-- that one organisation's key found another's KPI). SQLite cannot drop a
-- UNIQUE column, so each table is rebuilt without it.
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/kpis', request_id, '', id, create_time FROM kpis WHERE request_id IS NOT NULL;
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/kpis/' || kpi_id || '/measurements', request_id, '', id, create_time
FROM measurements WHERE request_id IS NOT NULL;

CREATE TABLE kpis_rebuilt (
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
    PRIMARY KEY (organisation_id, id)
);
INSERT INTO kpis_rebuilt SELECT organisation_id, id, title, description, unit, currency_code, direction, baseline, targets,
    thresholds, frequency, element_id, owner_team_id, data_source, latest_value, latest_period_end, status, trend, due_date,
    element_deleted, create_time, update_time, delete_time, deleted_with_organisation, revision, update_actor FROM kpis;
DROP TABLE kpis;
ALTER TABLE kpis_rebuilt RENAME TO kpis;
CREATE INDEX kpis_element ON kpis (organisation_id, element_id);
CREATE INDEX kpis_title ON kpis (organisation_id, title, id);
CREATE INDEX kpis_due ON kpis (due_date) WHERE delete_time IS NULL AND due_date <> '';

CREATE TABLE measurements_rebuilt (
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
    PRIMARY KEY (organisation_id, kpi_id, id)
);
INSERT INTO measurements_rebuilt SELECT organisation_id, kpi_id, id, period_end, value, note, source, history,
    create_time, update_time, delete_time, revision, update_actor FROM measurements;
DROP TABLE measurements;
ALTER TABLE measurements_rebuilt RENAME TO measurements;
CREATE UNIQUE INDEX measurements_live_period ON measurements (organisation_id, kpi_id, period_end) WHERE delete_time IS NULL;

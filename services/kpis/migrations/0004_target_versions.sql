-- +goose Up
-- Every version of a KPI's direction, targets and thresholds, and the first
-- day of the periods it grades (effective_date, '' for a KPI's first
-- definition, which grades every period before the next): a change does
-- not rewrite the status of the periods before it. Each KPI starts with its
-- definition as it stands.
CREATE TABLE kpi_targets (
    organisation_id TEXT NOT NULL,
    kpi_id TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    direction INTEGER NOT NULL,
    targets TEXT NOT NULL,
    thresholds TEXT NOT NULL,
    change_time BIGINT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX kpi_targets_kpi ON kpi_targets (organisation_id, kpi_id, change_time);
INSERT INTO kpi_targets (organisation_id, kpi_id, effective_date, direction, targets, thresholds, change_time, actor)
    SELECT organisation_id, id, '', direction, targets, thresholds, create_time, update_actor FROM kpis;

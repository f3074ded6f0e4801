-- +goose Up
-- request_id moves to the kit's request_ids table, scoped to the collection
-- the resource was created in (a KPI's was unique across organisations, so
-- that one organisation's key found another's KPI).
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/kpis', request_id, '', id, create_time FROM kpis WHERE request_id IS NOT NULL;
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/kpis/' || kpi_id || '/measurements', request_id, '', id, create_time
FROM measurements WHERE request_id IS NOT NULL;
ALTER TABLE kpis DROP COLUMN request_id;
ALTER TABLE measurements DROP COLUMN request_id;

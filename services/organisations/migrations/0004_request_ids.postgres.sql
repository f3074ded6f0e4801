-- +goose Up
-- request_id moves to the kit's request_ids table, scoped to the collection
-- the resource was created in.
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations', request_id, '', id, create_time FROM organisations WHERE request_id IS NOT NULL;
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/people', request_id, '', id, create_time FROM people WHERE request_id IS NOT NULL;
ALTER TABLE organisations DROP COLUMN request_id;
ALTER TABLE people DROP COLUMN request_id;

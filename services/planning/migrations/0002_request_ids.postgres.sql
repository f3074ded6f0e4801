-- +goose Up
-- request_id moves to the kit's request_ids table, scoped to the collection
-- the element was created in (it was unique across organisations, so that
-- one organisation's key found another's element).
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/elements', request_id, '', id, create_time
FROM elements WHERE request_id IS NOT NULL;
ALTER TABLE elements DROP COLUMN request_id;

-- +goose Up
-- request_id moves to the kit's request_ids table, scoped to the collection
-- the resource was created in (it was unique across organisations, so that
-- one organisation's key found another's resource).
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/teams', request_id, '', id, create_time FROM teams WHERE request_id IS NOT NULL;
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/teams/' || team_id || '/members', request_id, '', id, create_time
FROM members WHERE request_id IS NOT NULL;
ALTER TABLE teams DROP COLUMN request_id;
ALTER TABLE members DROP COLUMN request_id;

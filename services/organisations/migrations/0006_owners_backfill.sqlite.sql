-- +goose Up
-- The owners of the organisations there were before organisation_owners.
INSERT INTO organisation_owners (organisation_id, owner_id)
SELECT DISTINCT o.id, substr(j.value, length('organisations/') + 1) FROM organisations o, json_each(o.owners) j;

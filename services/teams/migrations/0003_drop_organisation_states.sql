-- +goose Up
-- organisation_states gave way to the kit's event_versions (events.Newer).
DROP TABLE organisation_states;

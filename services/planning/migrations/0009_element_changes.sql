-- +goose Up
-- When elements' health and status changed, from what to what: the
-- digest's health changes and closings.
CREATE TABLE element_changes (
    organisation_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
    change_time BIGINT NOT NULL,
    kind TEXT NOT NULL,
    old_value INTEGER NOT NULL,
    new_value INTEGER NOT NULL
);
CREATE INDEX element_changes_time ON element_changes (organisation_id, change_time);

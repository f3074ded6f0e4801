-- +goose Up
-- The newest version of each subject (a resource) a consumer has applied,
-- so that an older event redelivered after a newer one is recognised and
-- skipped (see Newer).
CREATE TABLE event_versions (
    subject TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

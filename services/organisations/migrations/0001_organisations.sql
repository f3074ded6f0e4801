-- +goose Up
-- Organisations. Times are microseconds since the Unix epoch (UTC);
-- delete_time is NULL while the organisation is live. revision counts
-- changes and makes the etag. owners is a JSON array of resource names.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    description TEXT NOT NULL,
    kind INTEGER NOT NULL,
    owners TEXT NOT NULL,
    website TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    revision BIGINT NOT NULL,
    request_id TEXT UNIQUE
);
CREATE INDEX organisations_create_time ON organisations (create_time, id);
CREATE INDEX organisations_display_name ON organisations (display_name, id);

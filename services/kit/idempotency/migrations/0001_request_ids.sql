-- +goose Up
-- Idempotency keys of creates (AIP-155). A key belongs to one collection
-- (scope: the parent collection's name, e.g. organisations/acme/teams), so
-- that the same request_id in two organisations, or under two parents, names
-- two different requests. fingerprint is the SHA-256 of the request without
-- its request_id, so that a key reused for another request is refused rather
-- than answered with the first request's resource; '' for keys carried over
-- from before fingerprints were kept, which match any request. resource_id
-- is the id, within scope, of the resource the request made.
CREATE TABLE request_ids (
    scope TEXT NOT NULL,
    request_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (scope, request_id)
);

-- +goose Up
-- Every revision of every resource the service keeps (AIP-162), written in
-- the transaction of the change: who made it, when, what it did, and the
-- resource as it stood after it (its protobuf encoding, of message_type).
-- fields are those an update or a recomputation set, comma-separated: what
-- else differs from the revision before was computed meanwhile, and is
-- not the actor's doing.
-- id grows as revisions are written; the change log reads newest first by
-- (create_time, resource_type, id), across services too: resource_type
-- compares by bytes (COLLATE "C"), as SQLite and the merge in Go compare.
CREATE TABLE revisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_type TEXT COLLATE "C" NOT NULL,
    create_time BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action INTEGER NOT NULL,
    fields TEXT NOT NULL,
    message_type TEXT NOT NULL,
    snapshot BYTEA NOT NULL
);
CREATE INDEX revisions_resource ON revisions (resource, id);
CREATE INDEX revisions_log ON revisions (organisation_id, create_time);

-- +goose Up
-- People of organisations, keyed by (organisation_id, id). Times are
-- microseconds since the Unix epoch (UTC); delete_time is NULL while the
-- person is live. revision counts changes and makes the etag.
--
-- email and external_subject are unique among an organisation's live people
-- only, so that a deleted person's address can be given to someone new:
-- hence partial unique indexes. email_lower is the address lower-cased, so
-- that the index ignores case. An empty external_subject means none and is
-- never a duplicate. request_id is the idempotency key of the CreatePerson
-- that made the row, unique within the organisation.
CREATE TABLE people (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    job_title TEXT NOT NULL,
    external_subject TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    revision BIGINT NOT NULL,
    request_id TEXT,
    PRIMARY KEY (organisation_id, id),
    UNIQUE (organisation_id, request_id)
);
CREATE UNIQUE INDEX people_live_email ON people (organisation_id, email_lower)
    WHERE delete_time IS NULL;
CREATE UNIQUE INDEX people_live_external_subject ON people (organisation_id, external_subject)
    WHERE delete_time IS NULL AND external_subject <> '';
CREATE INDEX people_display_name ON people (organisation_id, display_name, id);
CREATE INDEX people_email ON people (organisation_id, email_lower, id);
CREATE INDEX people_create_time ON people (organisation_id, create_time, id);

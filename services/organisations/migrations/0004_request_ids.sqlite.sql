-- +goose Up
-- request_id moves to the kit's request_ids table, scoped to the collection
-- the resource was created in. SQLite cannot drop a UNIQUE column, so
-- people is rebuilt without it. organisations keeps its column, emptied
-- and unused: rebuilding a table that people references would fail the
-- foreign key inside the migration's transaction.
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations', request_id, '', id, create_time FROM organisations WHERE request_id IS NOT NULL;
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/people', request_id, '', id, create_time FROM people WHERE request_id IS NOT NULL;
UPDATE organisations SET request_id = NULL;

CREATE TABLE people_rebuilt (
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
    update_actor TEXT NOT NULL DEFAULT '',
    role INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_id, id)
);
INSERT INTO people_rebuilt SELECT organisation_id, id, display_name, email, email_lower, job_title, external_subject,
    create_time, update_time, delete_time, revision, update_actor, role FROM people;
DROP TABLE people;
ALTER TABLE people_rebuilt RENAME TO people;
CREATE UNIQUE INDEX people_live_email ON people (organisation_id, email_lower)
    WHERE delete_time IS NULL;
CREATE UNIQUE INDEX people_live_external_subject ON people (organisation_id, external_subject)
    WHERE delete_time IS NULL AND external_subject <> '';
CREATE INDEX people_display_name ON people (organisation_id, display_name, id);
CREATE INDEX people_email ON people (organisation_id, email_lower, id);
CREATE INDEX people_create_time ON people (organisation_id, create_time, id);
CREATE INDEX people_external_subject ON people (external_subject) WHERE delete_time IS NULL AND external_subject <> '';

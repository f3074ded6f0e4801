-- +goose Up
-- request_id moves to the kit's request_ids table, scoped to the collection
-- the resource was created in (it was unique across organisations, so that
-- one organisation's key found another's resource). SQLite cannot drop a
-- UNIQUE column, so each table is rebuilt without it.
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/teams', request_id, '', id, create_time FROM teams WHERE request_id IS NOT NULL;
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/teams/' || team_id || '/members', request_id, '', id, create_time
FROM members WHERE request_id IS NOT NULL;

CREATE TABLE teams_rebuilt (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    terms_of_reference TEXT NOT NULL,
    kind INTEGER NOT NULL,
    parent_id TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    deleted_with_organisation INTEGER NOT NULL DEFAULT 0,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organisation_id, id)
);
INSERT INTO teams_rebuilt SELECT organisation_id, id, display_name, purpose, terms_of_reference, kind, parent_id,
    create_time, update_time, delete_time, deleted_with_organisation, revision, update_actor FROM teams;
DROP TABLE teams;
ALTER TABLE teams_rebuilt RENAME TO teams;
CREATE INDEX teams_parent ON teams (organisation_id, parent_id);
CREATE INDEX teams_display_name ON teams (organisation_id, display_name, id);

CREATE TABLE members_rebuilt (
    organisation_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    role INTEGER NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organisation_id, team_id, id)
);
INSERT INTO members_rebuilt SELECT organisation_id, team_id, id, person_id, role, start_date, end_date,
    create_time, update_time, delete_time, revision, update_actor FROM members;
DROP TABLE members;
ALTER TABLE members_rebuilt RENAME TO members;
CREATE UNIQUE INDEX members_live_person ON members (organisation_id, team_id, person_id) WHERE delete_time IS NULL;
CREATE INDEX members_person ON members (organisation_id, person_id);

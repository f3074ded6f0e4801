-- +goose Up
-- Teams of each organisation. Times are microseconds since the Unix epoch
-- (UTC); delete_time is NULL while the team is live. parent_id is '' for a
-- top-level team. deleted_with_organisation is 1 when the organisation's
-- deletion deleted the team, so that its undeletion restores exactly those.
CREATE TABLE teams (
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
    request_id TEXT UNIQUE,
    PRIMARY KEY (organisation_id, id)
);
CREATE INDEX teams_parent ON teams (organisation_id, parent_id);
CREATE INDEX teams_display_name ON teams (organisation_id, display_name, id);

-- Memberships. Dates are YYYY-MM-DD; end_date and delete_time are set when
-- the membership ends. A person is a live member of a team at most once.
CREATE TABLE members (
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
    request_id TEXT UNIQUE,
    PRIMARY KEY (organisation_id, team_id, id)
);
CREATE UNIQUE INDEX members_live_person ON members (organisation_id, team_id, person_id) WHERE delete_time IS NULL;
CREATE INDEX members_person ON members (organisation_id, person_id);

-- The newest state of each organisation seen in its events, so that an
-- event arriving out of order cannot undo a newer one.
CREATE TABLE organisation_states (
    organisation_id TEXT PRIMARY KEY,
    deleted INTEGER NOT NULL,
    update_time BIGINT NOT NULL
);

-- +goose Up
-- request_id moves to the kit's request_ids table, scoped to the collection
-- the element was created in (it was unique across organisations, so that
-- one organisation's key found another's element). SQLite cannot drop a
-- UNIQUE column, so the table is rebuilt without it.
INSERT INTO request_ids (scope, request_id, fingerprint, resource_id, create_time)
SELECT 'organisations/' || organisation_id || '/elements', request_id, '', id, create_time
FROM elements WHERE request_id IS NOT NULL;

CREATE TABLE elements_rebuilt (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    level INTEGER NOT NULL,
    objective_kind INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_team_id TEXT NOT NULL,
    owner_team_deleted INTEGER NOT NULL DEFAULT 0,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    status INTEGER NOT NULL,
    priority_rank INTEGER NOT NULL,
    manual_progress INTEGER NOT NULL,
    progress INTEGER NOT NULL,
    kpi_health INTEGER NOT NULL,
    health INTEGER NOT NULL,
    parent_id TEXT NOT NULL,
    thematic_goal_id TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    deleted_with_organisation INTEGER NOT NULL DEFAULT 0,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL,
    PRIMARY KEY (organisation_id, id)
);
INSERT INTO elements_rebuilt SELECT organisation_id, id, level, objective_kind, title, description, owner_team_id,
    owner_team_deleted, start_date, end_date, status, priority_rank, manual_progress, progress, kpi_health, health,
    parent_id, thematic_goal_id, create_time, update_time, delete_time, deleted_with_organisation, revision, update_actor
FROM elements;
DROP TABLE elements;
ALTER TABLE elements_rebuilt RENAME TO elements;
CREATE INDEX elements_parent ON elements (organisation_id, parent_id);
CREATE INDEX elements_owner ON elements (organisation_id, owner_team_id);
CREATE INDEX elements_thematic_goal ON elements (organisation_id, thematic_goal_id);
CREATE INDEX elements_rank ON elements (organisation_id, priority_rank, title, id);

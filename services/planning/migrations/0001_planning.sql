-- +goose Up
-- The plan: elements of every level in one table. Times are microseconds
-- since the Unix epoch; dates are YYYY-MM-DD. parent_id and
-- thematic_goal_id are '' when there is none. manual_progress is what a
-- caller set on a tactic; progress, kpi_health and health are the
-- roll-ups, kept up to date along the thread so that reading a tree of any
-- size is one query. deleted_with_organisation marks the elements the
-- organisation's deletion deleted, so that its undeletion restores exactly
-- those.
CREATE TABLE elements (
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
    request_id TEXT UNIQUE,
    PRIMARY KEY (organisation_id, id)
);
CREATE INDEX elements_parent ON elements (organisation_id, parent_id);
CREATE INDEX elements_owner ON elements (organisation_id, owner_team_id);
CREATE INDEX elements_thematic_goal ON elements (organisation_id, thematic_goal_id);
CREATE INDEX elements_rank ON elements (organisation_id, priority_rank, title, id);

-- Extra alignment links: element_id supports supported_id, one level up.
CREATE TABLE element_supports (
    organisation_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
    supported_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, element_id, supported_id)
);

-- The KPIs that measure elements, and their statuses, as the KPI service's
-- events tell them; change_time orders the events.
CREATE TABLE element_kpis (
    organisation_id TEXT NOT NULL,
    kpi_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    change_time BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, kpi_id)
);
CREATE INDEX element_kpis_element ON element_kpis (organisation_id, element_id);

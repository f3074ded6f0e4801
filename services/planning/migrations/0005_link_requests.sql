-- +goose Up
-- Link requests, kept in the organisation asked (organisation_id): the
-- element of another organisation that would support one of its elements
-- (target_id). state is LinkRequest.State; decide_time is NULL while it is
-- pending.
CREATE TABLE link_requests (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    element_organisation_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    message TEXT NOT NULL,
    element_title TEXT NOT NULL,
    state INTEGER NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    decide_time BIGINT,
    revision BIGINT NOT NULL,
    create_actor TEXT NOT NULL,
    update_actor TEXT NOT NULL,
    PRIMARY KEY (organisation_id, id)
);
CREATE INDEX link_requests_pair ON link_requests (organisation_id, target_id, element_organisation_id, element_id);

-- +goose Up
-- Comments on elements, check-ins and KPIs (parent: the full name of what
-- they are on): the text, the people it mentions and the text before each
-- edit (JSON), kept when deleted (soft); create_actor says who may edit
-- and delete.
CREATE TABLE comments (
    organisation_id TEXT NOT NULL,
    parent TEXT NOT NULL,
    id TEXT NOT NULL,
    text TEXT NOT NULL,
    mentions TEXT NOT NULL,
    edits TEXT NOT NULL,
    author TEXT NOT NULL,
    create_actor TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL,
    PRIMARY KEY (organisation_id, parent, id)
);
CREATE INDEX comments_oldest ON comments (organisation_id, parent, create_time, id);

-- Comments on elements: the text, the people it mentions and the text
-- before each edit (JSON), kept when deleted (soft); create_actor says who
-- may edit and delete.
CREATE TABLE comments (
    organisation_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
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
    PRIMARY KEY (organisation_id, element_id, id)
);
CREATE INDEX comments_oldest ON comments (organisation_id, element_id, create_time, id);

-- +goose Up
-- What each organisation publishes (PublicationService): a row once its
-- admins first change it; none reads as unpublished. teams is a JSON
-- array of team ids.
CREATE TABLE publications (
    organisation_id TEXT PRIMARY KEY,
    published INTEGER NOT NULL,
    display_name TEXT NOT NULL,
    teams TEXT NOT NULL,
    licence TEXT NOT NULL,
    update_time BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL
);

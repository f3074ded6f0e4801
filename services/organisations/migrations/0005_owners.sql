-- +goose Up
-- Who owns whom, a row per owner, so that a caller's owned organisations
-- (read as a viewer through ownership) are found by index rather than by
-- reading every organisation's owners. organisations.owners stays the
-- resource's field; this table follows it in the same transaction.
CREATE TABLE organisation_owners (
    organisation_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, owner_id)
);
CREATE INDEX organisation_owners_owner ON organisation_owners (owner_id, organisation_id);

-- +goose Up
-- An element may support an element of another organisation (one that
-- owns its organisation): element_supports names the supported element's
-- organisation too, and is found from either end.
CREATE TABLE element_supports_new (
    organisation_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
    supported_organisation_id TEXT NOT NULL,
    supported_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, element_id, supported_organisation_id, supported_id)
);
INSERT INTO element_supports_new (organisation_id, element_id, supported_organisation_id, supported_id)
SELECT organisation_id, element_id, organisation_id, supported_id FROM element_supports;
DROP TABLE element_supports;
ALTER TABLE element_supports_new RENAME TO element_supports;
CREATE INDEX element_supports_supported ON element_supports (supported_organisation_id, supported_id);

-- The elements of other organisations whose roll-up a change here must
-- refresh: the change's transaction holds only its own organisation's
-- plan, so each is refreshed after, in a transaction of its own, by
-- whichever replica gets to it first (cause: what set it off).
CREATE TABLE rollup_pending (
    organisation_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
    cause TEXT NOT NULL,
    PRIMARY KEY (organisation_id, element_id)
);

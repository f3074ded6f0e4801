-- +goose Up
-- Sign-in and accountability.
--
-- update_actor records who made each resource's latest change. A person's
-- role is what they may do in the organisation when they sign in with a
-- token whose subject is their external_subject (0: no access); the index
-- finds a subject's roles across organisations.
ALTER TABLE organisations ADD COLUMN update_actor TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN update_actor TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN role INTEGER NOT NULL DEFAULT 0;
CREATE INDEX people_external_subject ON people (external_subject) WHERE delete_time IS NULL AND external_subject <> '';

-- API tokens. organisation_id is '' for platform tokens. Only a SHA-256
-- hash of each token's secret is kept; the secret is shown once. Token ids
-- are unique across organisations, since a presented token names only its
-- id.
CREATE TABLE api_tokens (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role INTEGER NOT NULL,
    secret_hash TEXT NOT NULL,
    expire_time BIGINT,
    create_time BIGINT NOT NULL,
    delete_time BIGINT,
    create_actor TEXT NOT NULL,
    update_actor TEXT NOT NULL,
    PRIMARY KEY (organisation_id, id)
);
CREATE INDEX api_tokens_create_time ON api_tokens (organisation_id, create_time, id);

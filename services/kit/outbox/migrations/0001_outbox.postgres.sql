-- +goose Up
-- Events waiting to be published, written in the transaction of the change
-- they describe. seq keeps commit order; sent_time is set once JetStream has
-- acknowledged the event.
CREATE TABLE outbox (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    type TEXT NOT NULL,
    resource TEXT NOT NULL,
    event_time BIGINT NOT NULL,
    data BYTEA NOT NULL,
    sent_time BIGINT
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_time IS NULL;

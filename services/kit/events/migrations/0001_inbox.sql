-- +goose Up
-- Events each durable consumer has handled, written in the same transaction
-- as the handler's effect, so a redelivered event is recognised and skipped.
CREATE TABLE inbox (
    consumer TEXT NOT NULL,
    event_id TEXT NOT NULL,
    handled_time BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);

-- +goose Up
-- Webhooks: URLs an organisation's change events are sent to. The secret
-- signs deliveries (Standard Webhooks), so it is kept as it is; it is shown
-- to a caller only when the webhook is made. event_types is a JSON array.
CREATE TABLE webhooks (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    disabled_reason TEXT NOT NULL,
    secret TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL,
    PRIMARY KEY (organisation_id, id)
);
CREATE INDEX webhooks_create_time ON webhooks (organisation_id, create_time, id);

-- Deliveries: each event a webhook is sent, queued in the transaction
-- that takes the event from the stream, so that a restart loses none; the
-- sender sends each resource's (event_subject's) in the order queued (seq).
-- payload is the CloudEvent's JSON, as sent.
CREATE TABLE webhook_deliveries (
    organisation_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    state INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    last_status_code INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    last_latency BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    last_attempt_time BIGINT,
    next_attempt_time BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, webhook_id, id),
    UNIQUE (organisation_id, webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_time);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (organisation_id, webhook_id, seq);

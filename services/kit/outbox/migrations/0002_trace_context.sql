-- +goose Up
-- The W3C trace context of the change an event records (the CloudEvents
-- distributed-tracing extension), empty when the change was not traced.
ALTER TABLE outbox ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN tracestate TEXT NOT NULL DEFAULT '';

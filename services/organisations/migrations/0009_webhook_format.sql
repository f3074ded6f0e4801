-- +goose Up
-- What a webhook's requests hold (Webhook.Format): 0, a CloudEvent.
ALTER TABLE webhooks ADD COLUMN format INTEGER NOT NULL DEFAULT 0;
-- The media type of each delivery's payload, as it was made.
ALTER TABLE webhook_deliveries ADD COLUMN content_type TEXT NOT NULL DEFAULT 'application/cloudevents+json';

-- +goose Up
-- The sender takes a delivery only when no earlier one of its webhook and
-- resource is pending (dueDeliveries): this index answers that question
-- without reading the webhook's whole log.
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (organisation_id, webhook_id, event_subject, state, seq);

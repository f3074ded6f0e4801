-- +goose Up
-- The relay deletes published rows once past their retention (see prune),
-- a batch at a time: this index finds them without reading the unpublished
-- ones or scanning the table. Partial, like outbox_unsent, so it holds only
-- the few minutes of published rows the table keeps.
CREATE INDEX outbox_published ON outbox (sent_time) WHERE sent_time IS NOT NULL;

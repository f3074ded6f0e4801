-- +goose Up
-- Whether an organisation's viewers may comment on its plan.
ALTER TABLE organisations ADD COLUMN viewers_may_comment INTEGER NOT NULL DEFAULT 0;

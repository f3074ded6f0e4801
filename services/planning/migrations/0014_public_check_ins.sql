-- +goose Up
-- Whether a check-in's owners share it with the public (CheckIn.public).
ALTER TABLE check_ins ADD COLUMN public INTEGER NOT NULL DEFAULT 0;

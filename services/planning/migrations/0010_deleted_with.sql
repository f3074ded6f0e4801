-- +goose Up
-- The element whose forced deletion took an element with it ('' for none),
-- so that undeleting that element brings back exactly what its deletion
-- took.
ALTER TABLE elements ADD COLUMN deleted_with TEXT NOT NULL DEFAULT '';

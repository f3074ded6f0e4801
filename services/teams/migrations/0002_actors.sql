-- +goose Up
-- Who made each team's and membership's latest change (see update_actor in
-- the protos).
ALTER TABLE teams ADD COLUMN update_actor TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN update_actor TEXT NOT NULL DEFAULT '';

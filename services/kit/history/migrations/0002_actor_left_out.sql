-- +goose Up
-- actor_left_out says the snapshot leaves out the resource's update_actor
-- because it is the revision's actor, the column beside it: the same
-- principal's name, stored once. Reading puts it back.
ALTER TABLE revisions ADD COLUMN actor_left_out BOOLEAN NOT NULL DEFAULT FALSE;

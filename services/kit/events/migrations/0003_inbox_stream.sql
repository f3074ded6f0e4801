-- +goose Up
-- The stream each handled event came from, so that a consumer can prune the
-- rows of events its stream no longer keeps (see Consume). Rows from before
-- this column have stream '' and are kept.
ALTER TABLE inbox ADD COLUMN stream TEXT NOT NULL DEFAULT '';
CREATE INDEX inbox_stream_age ON inbox (stream, handled_time);

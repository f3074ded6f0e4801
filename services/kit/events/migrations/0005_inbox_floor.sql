-- +goose Up
-- The stream sequence of each handled event, so that a consumer can prune
-- the rows of events JetStream will not deliver again (see upkeep). Rows
-- from before this column have stream_seq 0 and go at the stream's age, as
-- before.
ALTER TABLE inbox ADD COLUMN stream_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX inbox_stream_seq ON inbox (consumer, stream, stream_seq);
-- How far each consumer's inbox has been pruned: every event of the stream
-- at or below floor_seq was handled (or given up), so one delivered again
-- (the durable consumer deleted and recreated, or its acknowledgements
-- lost with a NATS node) is skipped without its row. stream_created (Unix
-- microseconds) is the creation time of the stream the sequence counts in:
-- a stream deleted and created again starts counting from 1, and the floor
-- of the old one must not skip its events.
CREATE TABLE inbox_floors (
    consumer TEXT NOT NULL,
    stream TEXT NOT NULL,
    stream_created BIGINT NOT NULL,
    floor_seq BIGINT NOT NULL,
    PRIMARY KEY (consumer, stream)
);

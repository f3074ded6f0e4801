-- +goose Up
-- Check-ins: an element's owners' account of how it is going, newest
-- first; the latest travels with its element (as protojson, with its time
-- for the lateness check), and check_in_frequency says how often one is due.
CREATE TABLE check_ins (
    organisation_id TEXT NOT NULL,
    element_id TEXT NOT NULL,
    id TEXT NOT NULL,
    assessment INTEGER NOT NULL,
    progress INTEGER,
    summary TEXT NOT NULL,
    next_steps TEXT NOT NULL,
    blockers TEXT NOT NULL,
    author TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    update_actor TEXT NOT NULL,
    PRIMARY KEY (organisation_id, element_id, id)
);
CREATE INDEX check_ins_newest ON check_ins (organisation_id, element_id, create_time, id);
ALTER TABLE elements ADD COLUMN check_in_frequency INTEGER NOT NULL DEFAULT 0;
ALTER TABLE elements ADD COLUMN latest_check_in TEXT NOT NULL DEFAULT '';
ALTER TABLE elements ADD COLUMN latest_check_in_time BIGINT;

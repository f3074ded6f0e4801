-- +goose Up
-- Events a durable consumer gave up on: JetStream delivered each as many
-- times as the consumer allows (ConsumerSpec.MaxDeliver) and the handler
-- never succeeded. Written on JetStream's max-deliveries advisory (see
-- DeadLetterAdvisory). The event stays in the stream, at stream_seq, until
-- the stream's limits drop it; consumers prune the rows past the stream's
-- age, as they do the inbox. subject is the event's NATS subject; it,
-- event_id and event_type are '' when the stream no longer held the event.
CREATE TABLE dead_letters (
    consumer TEXT NOT NULL,
    stream TEXT NOT NULL,
    stream_seq BIGINT NOT NULL,
    subject TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    deliveries BIGINT NOT NULL,
    dead_time BIGINT NOT NULL,
    PRIMARY KEY (consumer, stream, stream_seq)
);
CREATE INDEX dead_letters_stream_age ON dead_letters (stream, dead_time);

package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// maxDeliveriesAdvisory starts the subjects of JetStream's advisories that
// a consumer gave an event up after its last delivery.
const maxDeliveriesAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"

// DeadLetterAdvisory is the subject on which JetStream announces that the
// durable consumer of stream gave an event up, having delivered it
// ConsumerSpec.MaxDeliver times without an acknowledgement:
// $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<durable>. Consume
// listens there and records each such event in the dead_letters table.
func DeadLetterAdvisory(stream, durable string) string {
	return maxDeliveriesAdvisory + "." + stream + "." + durable
}

// maxDeliveries is the body of the advisory
// (io.nats.jetstream.advisory.v1.max_deliver). It names the event only by
// its stream sequence.
type maxDeliveries struct {
	Time       time.Time `json:"timestamp"`
	Stream     string    `json:"stream"`
	Consumer   string    `json:"consumer"`
	StreamSeq  uint64    `json:"stream_seq"`
	Deliveries uint64    `json:"deliveries"`
}

// deadLetterer records the dead letters of one consumer.
//
// Every replica of the consumer listens (a plain subscription, not a queue
// group) and tries to record each advisory: the table's key keeps one row
// and the one replica that wrote it counts it, and a replica that cannot
// reach its database then loses nothing. An advisory sent while no replica
// listens is lost with it (core NATS keeps none), but the server sends it
// as a replica asks for events, so one is listening.
type deadLetterer struct {
	js     jetstream.JetStream
	db     *sqldb.DB
	spec   ConsumerSpec
	logger *slog.Logger
	sub    *nats.Subscription

	// mu is held while an advisory is handled, so that stop waits for it:
	// the database may close once Stop returns.
	mu      sync.Mutex
	stopped bool
}

// listenForDeadLetters subscribes to the consumer's advisory; stop ends it.
func listenForDeadLetters(js jetstream.JetStream, db *sqldb.DB, spec ConsumerSpec, logger *slog.Logger) (*deadLetterer, error) {
	d := &deadLetterer{js: js, db: db, spec: spec, logger: logger}
	subject := DeadLetterAdvisory(spec.Stream, spec.Durable)
	sub, err := js.Conn().Subscribe(subject, d.receive)
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	d.sub = sub
	return d, nil
}

func (d *deadLetterer) receive(m *nats.Msg) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	var a maxDeliveries
	if err := json.Unmarshal(m.Data, &a); err != nil {
		d.logger.Error("unreadable max-deliveries advisory; an event may have been given up unrecorded", "err", err, "advisory", string(m.Data))
		return
	}
	if a.Stream != d.spec.Stream || a.Consumer != d.spec.Durable {
		return // not this consumer's, though its subject said so
	}
	// Bounded, and not ended by Stop: a dead letter is worth finishing.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.record(ctx, a); err != nil {
		// The log is then the only trace: say everything known.
		d.logger.Error("event given up after its last delivery, but not recorded as a dead letter", "err", err,
			"stream_seq", a.StreamSeq, "deliveries", a.Deliveries)
	}
}

// record writes the dead letter of the advisory a, unless another replica
// has, and counts it.
func (d *deadLetterer) record(ctx context.Context, a maxDeliveries) error {
	subject, id, eventType, err := d.lookup(ctx, a.StreamSeq)
	if err != nil {
		// Recorded all the same: the sequence alone says which event.
		d.logger.Warn("cannot read the event given up; its dead letter holds its stream sequence alone",
			"err", err, "stream_seq", a.StreamSeq)
	}
	when := a.Time
	if when.IsZero() {
		when = time.Now()
	}
	res, err := d.db.ExecContext(ctx, `INSERT INTO dead_letters
		(consumer, stream, stream_seq, subject, event_id, event_type, deliveries, dead_time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		d.spec.Durable, d.spec.Stream, int64(a.StreamSeq), subject, id, eventType, int64(a.Deliveries), when.UnixMicro())
	if err != nil {
		return fmt.Errorf("record dead letter: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // nil when another replica recorded it first
	}
	deadLetters.WithLabelValues(d.spec.Durable, d.spec.Stream).Inc()
	d.logger.Error("event given up after its last delivery; recorded in dead_letters",
		"stream_seq", a.StreamSeq, "deliveries", a.Deliveries, "subject", subject, "event_id", id, "type", eventType)
	return nil
}

// lookup reads the NATS subject, id and type of the event at seq of the
// consumer's stream: the advisory names none of them.
func (d *deadLetterer) lookup(ctx context.Context, seq uint64) (subject, id, eventType string, err error) {
	stream, err := d.js.Stream(ctx, d.spec.Stream)
	if err != nil {
		return "", "", "", fmt.Errorf("stream %s: %w", d.spec.Stream, err)
	}
	msg, err := stream.GetMsg(ctx, seq)
	if err != nil {
		return "", "", "", fmt.Errorf("event %d of %s: %w", seq, d.spec.Stream, err)
	}
	// Best effort: the event may be malformed, which is why it failed.
	id, _ = decodeHeaderValue(header(msg.Header, HeaderID))
	eventType, _ = decodeHeaderValue(header(msg.Header, HeaderType))
	return msg.Subject, id, eventType, nil
}

// stop ends the subscription and waits for an advisory in hand.
func (d *deadLetterer) stop() {
	_ = d.sub.Unsubscribe()
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
}

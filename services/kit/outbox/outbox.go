// Package outbox makes every change's event as durable as the change: the
// event is written to an outbox table in the change's own transaction, and a
// relay publishes outbox rows to JetStream, marking each sent only after the
// server acknowledged it. A write that committed is never lost, even when
// NATS is down at the time; it is published when NATS comes back.
//
// Once published, an event's record is the stream (and the databases of
// the services that consumed it), not the outbox: the relay deletes
// each row in the transaction that records its publication, so that the
// table holds the events not yet published instead of every event a second
// time (WithRetention keeps published rows a while, for a test or an
// operator to look at). Unpublished rows are never deleted.
//
// Each row's id is the event's ce-id and its Nats-Msg-Id, so a publish the
// relay retries (after a lost ack, a crash between the ack and the row's
// mark or deletion, or when two replicas race) is stored by JetStream once
// within events.DuplicateWindow. On PostgreSQL, replicas claim rows with FOR
// UPDATE SKIP LOCKED and do not publish the same row together.
package outbox

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations creates the outbox table; apply it with
// db.Migrate(ctx, "outbox", outbox.Migrations).
var Migrations, _ = fs.Sub(migrations, "migrations")

// Tuning of the relay.
const (
	batchSize = 256
	// ackTimeout bounds one batch's wait for acks; on SQLite the batch holds
	// the write connection meanwhile, so keep it short.
	ackTimeout   = 3 * time.Second
	pollInterval = time.Second
	// pruneBatch is how many published rows one deleting transaction
	// takes: each is short, so that writes (and, on SQLite, the only
	// write connection) are never held for long by a large backlog of
	// deletions.
	pruneBatch   = 1000
	maxBackoff   = 5 * time.Second
	firstBackoff = 100 * time.Millisecond
)

// published counts the events relays published, and unsent holds how
// many rows each relay found waiting at its last look. They are shared by
// every relay of the process and registered by RegisterMetrics.
var (
	published = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "goldenthread_outbox_published_total",
		Help: "Outbox events the relay published and JetStream acknowledged, by stream.",
	}, []string{"stream"})
	unsent = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "goldenthread_outbox_unsent",
		Help: "Outbox events committed but not yet acknowledged by JetStream, as of the relay's last look, by stream.",
	}, []string{"stream"})
)

// RegisterMetrics adds the relays' metrics to reg.
func RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{published, unsent} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Outbox writes a service's events and relays them to its stream.
type Outbox struct {
	db        *sqldb.DB
	source    string
	stream    events.StreamSpec
	retention time.Duration
	wake      chan struct{}
	logger    *slog.Logger
}

// Option configures an Outbox.
type Option func(*Outbox)

// WithRetention has the relay keep a published row for d (give or take the
// time between two prunings, at most a minute) instead of deleting it in
// the transaction that records its publication; 0 or less deletes it then.
func WithRetention(d time.Duration) Option {
	return func(o *Outbox) { o.retention = max(d, 0) }
}

// New returns the outbox of the service named by source (the CloudEvents
// ce-source, e.g. //goldenthread/organisations), whose events go to stream.
// Published rows are deleted unless WithRetention says otherwise.
func New(db *sqldb.DB, source string, stream events.StreamSpec, logger *slog.Logger, opts ...Option) *Outbox {
	o := &Outbox{db: db, source: source, stream: stream, wake: make(chan struct{}, 1),
		logger: logger.With("component", "outbox", "stream", stream.Name)}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// pruneEvery is how often the relay deletes published rows past the
// retention: a row stays at most about retention + pruneEvery. Half the
// retention, between a second and a minute; with no retention (rows are
// deleted as they are published) only rows an earlier release marked sent
// and kept are left to it, so once a minute is plenty.
func (o *Outbox) pruneEvery() time.Duration {
	if o.retention <= 0 {
		return time.Minute
	}
	return min(max(o.retention/2, time.Second), time.Minute)
}

// Add records, in tx, the event that resource changed: payload is published
// on the NATS subject once tx commits, in the trace of ctx.
func (o *Outbox) Add(ctx context.Context, tx *sqldb.Tx, subject, resource string, payload proto.Message) error {
	data, err := proto.Marshal(payload)
	if err != nil {
		return fmt.Errorf("outbox: marshal %s: %w", subject, err)
	}
	traceParent, traceState := events.TraceOf(ctx)
	_, err = tx.ExecContext(ctx,
		"INSERT INTO outbox (id, subject, type, resource, event_time, data, traceparent, tracestate) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		events.NewID(), subject, string(payload.ProtoReflect().Descriptor().FullName()), resource,
		time.Now().UnixMicro(), data, traceParent, traceState)
	if err != nil {
		return fmt.Errorf("outbox: add %s: %w", subject, err)
	}
	tx.OnCommit(o.notify)
	return nil
}

func (o *Outbox) notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Relay creates or updates the stream, then publishes outbox rows until ctx
// ends: at once after each commit, and every second in case another process
// wrote rows or a publish failed. While NATS is unreachable it keeps
// retrying; writes go on committing meanwhile. Between rounds it deletes
// the rows published longer ago than the outbox's retention.
//
// A stream that exists but refuses its new configuration (limits the
// server has no room to reserve, say) is published to as it is, and the
// refusal logged as an error: holding every event back until an operator
// acts would be worse than a stream with its old limits. The next start
// tries the configuration again. Only the server's refusal counts: a
// request that got no answer in time (a cluster electing leaders, or
// creating replicas on busy nodes) is tried again, like any failure.
func (o *Outbox) Relay(ctx context.Context, js jetstream.JetStream) {
	backoff := firstBackoff
	streamReady := false
	var lastPrune time.Time
	for {
		var n int
		var err error
		if !streamReady {
			if err = o.ensureStream(ctx, js); err == nil {
				streamReady = true
			} else if refused(err) && o.streamExists(ctx, js) {
				o.logger.Error("the stream refused its configuration; publishing to it as it is until the next start", "err", err)
				streamReady, err = true, nil
			}
		}
		if streamReady {
			n, err = o.publishBatch(ctx, js)
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			o.countUnsent(ctx)
			if backoff >= maxBackoff/2 {
				o.logger.Warn("relay cannot publish; will retry", "err", err, "retry_in", backoff)
			}
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		backoff = firstBackoff
		if n == batchSize {
			continue
		}
		o.countUnsent(ctx)
		if time.Since(lastPrune) >= o.pruneEvery() {
			lastPrune = time.Now()
			if _, err := o.prune(ctx, lastPrune.Add(-o.retention)); err != nil && ctx.Err() == nil {
				o.logger.Warn("deleting published events failed; will retry", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-time.After(pollInterval):
		}
	}
}

// prune deletes the rows published before cutoff, in batches of
// pruneBatch each committed on its own, and returns how many it deleted.
// Rows not yet published (sent_time NULL) never match. The deletions
// commit unsynced: one lost to a power failure leaves rows the next
// pruning deletes again.
//
// On PostgreSQL, replicas pruning together skip each other's rows (SKIP
// LOCKED) instead of waiting for them.
func (o *Outbox) prune(ctx context.Context, cutoff time.Time) (int64, error) {
	n, err := o.db.DeleteInBatches(ctx, pruneBatch, "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE sent_time < ? LIMIT ?"+
		o.db.Dialect().SkipLocked()+")", cutoff.UnixMicro())
	if err != nil {
		return n, fmt.Errorf("delete published events: %w", err)
	}
	return n, nil
}

// countUnsent updates the unsent gauge. The relay calls it when it has
// caught up or failed, so the gauge shows 0 in a healthy service and grows
// while NATS is unreachable.
func (o *Outbox) countUnsent(ctx context.Context) {
	var n int
	if err := o.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox WHERE sent_time IS NULL").Scan(&n); err != nil {
		return // the next round tries again; a failing database shows in readiness
	}
	unsent.WithLabelValues(o.stream.Name).Set(float64(n))
}

func (o *Outbox) ensureStream(ctx context.Context, js jetstream.JetStream) error {
	if !js.Conn().IsConnected() {
		return fmt.Errorf("nats is not connected")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return events.EnsureStream(ctx, js, o.stream)
}

// refused reports whether err is the server's answer to a request, rather
// than no answer.
func refused(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr)
}

// streamExists reports whether the stream answers.
func (o *Outbox) streamExists(ctx context.Context, js jetstream.JetStream) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := js.Stream(ctx, o.stream.Name)
	return err == nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

type row struct {
	seq int64
	ev  events.Event
}

// publishBatch publishes up to batchSize unsent rows in commit order and
// records the acknowledged ones as published: it marks them sent, or with
// no retention deletes them. It returns how many rows it found.
//
// The marks (and deletions) commit unsynced: one lost to a power failure,
// like one a crash prevents, only publishes its events again with the same
// Nats-Msg-Id, which the stream de-duplicates (and consumers' inboxes
// after that); syncing it would cost every event a second disk flush.
func (o *Outbox) publishBatch(ctx context.Context, js jetstream.JetStream) (int, error) {
	if !js.Conn().IsConnected() {
		return 0, fmt.Errorf("nats is not connected")
	}
	var rows []row
	var sent []any
	var pubErr error
	claimAndPublish := func(q sqldb.Querier) error {
		var err error
		if rows, err = o.claim(ctx, q); err != nil {
			return err
		}
		sent, pubErr = o.publish(js, rows)
		return nil
	}
	var err error
	if o.db.Dialect() == sqldb.Postgres {
		// The claim's row locks, held until the marks commit, keep replicas
		// from publishing the same rows together.
		err = o.db.InTxUnsynced(ctx, func(tx *sqldb.Tx) error {
			if err := claimAndPublish(tx); err != nil {
				return err
			}
			return o.published(ctx, tx, sent)
		})
	} else if err = claimAndPublish(o.db); err == nil && len(sent) > 0 {
		// SQLite has one writer process, and holding its only write
		// connection while awaiting acks would stall every write meanwhile:
		// the rows were read outside a transaction, and are marked in a
		// short one.
		err = o.db.InTxUnsynced(ctx, func(tx *sqldb.Tx) error { return o.published(ctx, tx, sent) })
	}
	if err != nil {
		return 0, fmt.Errorf("relay: %w", err)
	}
	if pubErr != nil {
		// What was acknowledged is marked sent; the rest goes next round.
		return len(rows), fmt.Errorf("relay: publish: %w", pubErr)
	}
	return len(rows), nil
}

// publish publishes rows in order and returns the seqs of those JetStream
// acknowledged, up to the first that failed, and why that one failed.
func (o *Outbox) publish(js jetstream.JetStream, rows []row) ([]any, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var pubErr error
	futures := make([]jetstream.PubAckFuture, 0, len(rows))
	for _, r := range rows {
		// The event goes on in the trace of its change, from the relay's
		// span: consumers continue it from there.
		ctx, span := r.ev.Trace(context.Background(), trace.SpanKindProducer, "")
		r.ev.TraceParent, r.ev.TraceState = events.TraceOf(ctx)
		f, err := js.PublishMsgAsync(r.ev.Msg())
		span.End()
		if err != nil {
			pubErr = err
			break
		}
		futures = append(futures, f)
	}
	timeout := time.NewTimer(ackTimeout)
	defer timeout.Stop()
	sent := make([]any, 0, len(futures))
wait:
	for i, f := range futures {
		select {
		case <-f.Ok():
			sent = append(sent, rows[i].seq)
		case err := <-f.Err():
			pubErr = err
			break wait
		case <-timeout.C:
			pubErr = fmt.Errorf("no ack within %s", ackTimeout)
			break wait
		}
	}
	published.WithLabelValues(o.stream.Name).Add(float64(len(sent)))
	return sent, pubErr
}

// published records that the rows seqs were acknowledged: with a
// retention it marks them sent, for prune to delete later; without, it
// deletes them at once, which saves the later deletion's write.
func (o *Outbox) published(ctx context.Context, tx *sqldb.Tx, seqs []any) error {
	if len(seqs) == 0 {
		return nil
	}
	in := " WHERE seq IN (?" + strings.Repeat(", ?", len(seqs)-1) + ")"
	if o.retention <= 0 {
		if _, err := tx.ExecContext(ctx, "DELETE FROM outbox"+in, seqs...); err != nil {
			return fmt.Errorf("delete published: %w", err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE outbox SET sent_time = ?"+in, append([]any{time.Now().UnixMicro()}, seqs...)...); err != nil {
		return fmt.Errorf("mark sent: %w", err)
	}
	return nil
}

func (o *Outbox) claim(ctx context.Context, q sqldb.Querier) ([]row, error) {
	return sqldb.Select(ctx, q, "outbox", func(s sqldb.Scanner) (row, error) {
		var r row
		var micros int64
		err := s.Scan(&r.seq, &r.ev.ID, &r.ev.NATSSubject, &r.ev.Type, &r.ev.Subject, &micros, &r.ev.Data, &r.ev.TraceParent, &r.ev.TraceState)
		r.ev.Time = time.UnixMicro(micros).UTC()
		r.ev.Source = o.source
		return r, err
	}, "SELECT seq, id, subject, type, resource, event_time, data, traceparent, tracestate FROM outbox WHERE sent_time IS NULL ORDER BY seq LIMIT ?"+
		q.Dialect().SkipLocked(), batchSize)
}

package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	otelcodes "go.opentelemetry.io/otel/codes"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Handler applies one event inside tx. Returning an error rolls the effect
// back and has the event redelivered later, unless it wraps ErrPermanent.
type Handler func(ctx context.Context, tx *sqldb.Tx, e Event) error

// Handlers maps the event types a consumer acts on (Event.Type, the
// payload's full protobuf name) to their handlers. A consumer acknowledges
// the events of other types as they come, with no transaction and no inbox
// row: handled again, were one delivered again, it would be ignored again.
type Handlers map[string]Handler

// Gate says, before the consumer opens a transaction, whether an event
// concerns its handler at all; one it does not is acknowledged like an
// event without a handler. It reads outside the handler's transaction, so
// it may turn away only the events that would have had no effect had they
// been handled when it read (a webhook created meanwhile receives the
// events handled after it, not those before).
type Gate func(ctx context.Context, e Event) (bool, error)

// Any keys, in Handlers, the handler of every event whose type has no
// handler of its own (a webhook's, which sends on whatever happened).
const Any = "*"

// On adds to h the handler of the events whose payload is a P, keyed by
// its full name: it decodes the payload (one that does not decode is
// Permanent) and passes it to f.
func On[M any, P interface {
	*M
	proto.Message
}](h Handlers, f func(ctx context.Context, tx *sqldb.Tx, ev P) error) {
	h[string(proto.MessageName(P(new(M))))] = func(ctx context.Context, tx *sqldb.Tx, e Event) error {
		ev := P(new(M))
		if err := Decode(e, ev); err != nil {
			return err
		}
		return f(ctx, tx, ev)
	}
}

// ConsumerSpec describes a durable consumer.
type ConsumerSpec struct {
	// Stream to read and the durable name under which the server keeps this
	// consumer's position.
	Stream, Durable string
	// FilterSubject selects events (wildcards allowed); empty means all of
	// the stream's. One subject, not several, because NATS servers before
	// 2.10 accept only one.
	FilterSubject string
	// AckWait is how long a handler may take before the event is redelivered;
	// 0 means 30 seconds.
	AckWait time.Duration
	// SubjectPrefix starts the stream's subjects, which name the service
	// that produced each event; the consumer refuses events claiming
	// another producer (see checkProducer). Required: a consumer without
	// it does not start.
	SubjectPrefix string
	// MaxDeliver is how many times JetStream delivers an event whose
	// handler keeps failing before it gives the event up, which then
	// becomes a dead letter (see DeadLetterAdvisory); 0 or less means
	// DefaultMaxDeliver. It counts deliveries whose handler ran past
	// AckWait too.
	MaxDeliver int
	// Backoff is how long a failed event waits before its next delivery:
	// Backoff[n-1] after its n-th delivery failed, the last entry for every
	// later one. Nil means DefaultBackoff.
	Backoff []time.Duration
	// LagEvery is how often the consumer reports its lag; 0 means every
	// 15 seconds, about a metrics scraper's interval.
	LagEvery time.Duration
	// Gate, when set, turns away the events that concern no handler
	// before their transaction (see Gate).
	Gate Gate
	// InboxKeep is how long, at least, the inbox keeps the row of an
	// event once JetStream will not deliver that event again; 0 means
	// DefaultInboxKeep. The row still turns away the same event published
	// again as a new message (see upkeep).
	InboxKeep time.Duration
}

// DefaultInboxKeep keeps an inbox row a day after its event was handled:
// a producer that publishes an event again past JetStream's duplicate
// window (its relay lost the record of the publication and could not
// publish for longer than DuplicateWindow: its database or process down)
// has it turned away if it does so within a day. Past that it would be
// handled twice; a year of rows (the stream's default age) would cost
// far more than it is worth.
const DefaultInboxKeep = 24 * time.Hour

// DefaultMaxDeliver and DefaultBackoff retry a failing event for a little
// over an hour (14 retries, 69 minutes) before giving it up: long enough
// to ride out a restart or failover of the database, or of a service a
// handler calls; a handler that fails for longer has a fault someone must
// look at, and the dead letter says so.
const DefaultMaxDeliver = 15

// DefaultBackoff: see DefaultMaxDeliver.
var DefaultBackoff = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
	30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}

// retryDelay is how long the event waits after its delivered-th delivery
// failed.
func (s ConsumerSpec) retryDelay(delivered uint64) time.Duration {
	if len(s.Backoff) == 0 {
		return time.Second
	}
	n := min(max(delivered, 1), uint64(len(s.Backoff)))
	return s.Backoff[n-1]
}

// Consumer is a running durable consumer.
type Consumer struct {
	stop   context.CancelFunc
	done   chan struct{}
	logger *slog.Logger
	// streamCreated is the creation time (Unix microseconds) of the
	// stream the consumer attached to, which its inbox floor must be of;
	// 0 until attached.
	streamCreated atomic.Int64
}

// Consume runs the handler of each event's type for every event of the
// stream, once per event even when JetStream redelivers it: the event id is
// recorded in the inbox table in the same transaction as the handler's
// effect, and an event already recorded is acknowledged without calling the
// handler again.
//
// A failing handler has its event redelivered after spec.Backoff, up to
// spec.MaxDeliver deliveries in all; then JetStream gives the event up and
// goes on with the others, and the consumer records it in the dead_letters
// table, logs it and counts it (goldenthread_events_dead_letters_total).
//
// Consume returns at once. Until the stream exists (its producer may start
// later) it keeps trying to attach, so services can start in any order.
func Consume(ctx context.Context, js jetstream.JetStream, db *sqldb.DB, spec ConsumerSpec, logger *slog.Logger, hs Handlers) *Consumer {
	if spec.AckWait == 0 {
		spec.AckWait = 30 * time.Second
	}
	if spec.MaxDeliver <= 0 {
		spec.MaxDeliver = DefaultMaxDeliver
	}
	if spec.Backoff == nil {
		spec.Backoff = DefaultBackoff
	}
	if spec.InboxKeep <= 0 {
		spec.InboxKeep = DefaultInboxKeep
	}
	ctx, stop := context.WithCancel(ctx)
	c := &Consumer{stop: stop, done: make(chan struct{}),
		logger: logger.With("consumer", spec.Durable, "stream", spec.Stream)}
	go c.attach(ctx, js, db, spec, hs)
	return c
}

func (c *Consumer) attach(ctx context.Context, js jetstream.JetStream, db *sqldb.DB, spec ConsumerSpec, hs Handlers) {
	defer close(c.done)
	if spec.SubjectPrefix == "" {
		// A programming error. Not consuming leaves the events in the
		// stream; consuming would have to accept events unchecked or
		// terminate every one.
		c.logger.Error("consumer has no subject prefix to check its events' producer against; not consuming")
		return
	}
	// Listening before the consumer exists, so that no advisory of it
	// goes unheard.
	dead, err := listenForDeadLetters(js, db, spec, c.logger)
	if err != nil {
		// Events are still handled, and given up after MaxDeliver; only
		// their dead letters go unrecorded, so the consumer runs.
		c.logger.Error("events this consumer gives up will not be recorded as dead letters", "err", err)
	} else {
		defer dead.stop()
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       spec.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		FilterSubject: spec.FilterSubject,
		AckWait:       spec.AckWait,
		MaxAckPending: 256,
		MaxDeliver:    spec.MaxDeliver,
		// No BackOff: JetStream applies it to deliveries not acknowledged
		// in time, in place of AckWait, which would cut short a handler
		// still running. The handler's failures wait spec.Backoff, given
		// with each negative acknowledgement (see handle).
	}
	var cc jetstream.ConsumeContext
	var cons jetstream.Consumer
	for attempt := 0; ; attempt++ {
		err := func() error {
			actx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			var err error
			cons, err = js.CreateOrUpdateConsumer(actx, spec.Stream, cfg)
			if err != nil {
				return err
			}
			created, err := streamCreated(actx, js, spec.Stream)
			if err != nil {
				return err
			}
			c.streamCreated.Store(created)
			cc, err = cons.Consume(func(msg jetstream.Msg) { c.handle(ctx, db, spec, hs, msg) })
			return err
		}()
		if err == nil {
			c.logger.Info("consumer attached")
			break
		}
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			// Not a fault: the producer creates its stream when it starts,
			// which may be later (or, for a service not deployed yet, not
			// at all); the consumer attaches as soon as it exists.
			if attempt == 0 {
				c.logger.Info("waiting for the stream to be created")
			}
		case attempt%30 == 0:
			c.logger.Warn("consumer cannot attach yet; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	c.upkeep(ctx, js, db, spec, cons)
	cc.Drain()
	<-cc.Closed()
}

// defaultLagEvery is how often a consumer reports its lag by default.
const defaultLagEvery = 15 * time.Second

// upkeep runs until ctx ends. Every spec.LagEvery it reports the consumer's
// lag (goldenthread_events_consumer_pending and _unacknowledged, as
// JetStream counts them). At once and then every inboxPruneEvery, it
// prunes the inbox (see pruneInbox).
func (c *Consumer) upkeep(ctx context.Context, js jetstream.JetStream, db *sqldb.DB, spec ConsumerSpec, cons jetstream.Consumer) {
	every := spec.LagEvery
	if every <= 0 {
		every = defaultLagEvery
	}
	var pruned time.Time
	for {
		// The lag first: pruning a large inbox may take a while.
		ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if info, err := cons.Info(ictx); err == nil {
			pending.WithLabelValues(spec.Durable, spec.Stream).Set(float64(info.NumPending))
			unacknowledged.WithLabelValues(spec.Durable, spec.Stream).Set(float64(info.NumAckPending))
		}
		cancel()
		if time.Since(pruned) >= inboxPruneEvery {
			if err := pruneInbox(ctx, js, db, spec, cons); err != nil && ctx.Err() == nil {
				c.logger.Warn("pruning the inbox failed; will retry", "err", err)
			}
			pruned = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

var errAlreadyHandled = errors.New("event already handled")

func (c *Consumer) handle(ctx context.Context, db *sqldb.DB, spec ConsumerSpec, hs Handlers, msg jetstream.Msg) {
	count := func(result string) { consumed.WithLabelValues(spec.Durable, spec.Stream, result).Inc() }
	e, err := FromMsg(msg.Subject(), msg.Headers(), msg.Data())
	if err != nil {
		c.logger.Error("dropping malformed event", "err", err)
		_ = msg.TermWithReason("malformed event")
		count(ResultTerminated)
		return
	}
	if err := checkProducer(spec.SubjectPrefix, e); err != nil {
		// Not a fault to retry: a forgery, or a producer bug. Logged as an
		// error so that it is seen, and never handled.
		c.logger.Error("refusing an event that its subject's producer did not send; terminating it",
			"err", err, "event_id", e.ID, "subject", e.NATSSubject, "source", e.Source, "type", e.Type)
		_ = msg.TermWithReason("event claims another producer")
		count(ResultTerminated)
		return
	}
	// The handler finishes even while the consumer stops: Stop drains.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), spec.AckWait*9/10)
	defer cancel()
	// The handler's work, and the events it writes, go on in the trace of
	// the change the event records.
	hctx, span := e.Trace(hctx, trace.SpanKindConsumer, spec.Durable)
	defer span.End()
	var seq uint64 // 0: unknown, which no floor covers
	md, mdErr := msg.Metadata()
	if mdErr == nil {
		seq = md.Sequence.Stream
	}
	h, err := handlerOf(hctx, spec, hs, e)
	if err == nil {
		err = c.apply(hctx, db, spec, h, e, seq)
	}
	log := c.logger.With("event_id", e.ID, "type", e.Type, "subject", e.Subject)
	if result := doneWith(err); result != "" {
		count(result)
		if err := msg.Ack(); err != nil {
			log.Warn("ack failed; the event will be redelivered and skipped", "err", err)
		}
		return
	}
	span.SetStatus(otelcodes.Error, err.Error())
	switch {
	case errors.Is(err, ErrPermanent):
		log.Error("event cannot be handled; terminating it", "err", err)
		_ = msg.TermWithReason(err.Error())
		count(ResultTerminated)
	default:
		var delivered uint64
		if mdErr == nil {
			delivered = md.NumDelivered
		}
		if delivered >= uint64(spec.MaxDeliver) {
			// No delay: there is no next delivery, and the server gives the
			// event up, and sends the advisory that records it, when its
			// redelivery comes due.
			count(ResultExhausted)
			log.Error("event handler failed on the last delivery; the event is given up and becomes a dead letter",
				"err", err, "deliveries", delivered)
			_ = msg.Nak()
			return
		}
		count(ResultRetry)
		delay := spec.retryDelay(delivered)
		log.Warn("event handler failed; will retry", "err", err, "retry_in", delay, "deliveries", delivered)
		_ = msg.NakWithDelay(delay)
	}
}

// doneWith is the result of an event the consumer is done with, given
// what handling it returned: handled, ignored or a duplicate; "" when
// handling it failed.
func doneWith(err error) string {
	switch {
	case err == nil:
		return ResultHandled
	case errors.Is(err, errNoHandler):
		return ResultIgnored
	case errors.Is(err, errAlreadyHandled):
		return ResultDuplicate
	}
	return ""
}

// errNoHandler is handlerOf's answer for an event that concerns no
// handler of the consumer.
var errNoHandler = errors.New("no handler for the event")

// handlerOf is the handler of e: its type's, or else Any's, if spec's gate
// lets e through.
func handlerOf(ctx context.Context, spec ConsumerSpec, hs Handlers, e Event) (Handler, error) {
	h := hs[e.Type]
	if h == nil {
		h = hs[Any]
	}
	if h == nil {
		return nil, errNoHandler
	}
	if spec.Gate != nil {
		concerns, err := spec.Gate(ctx, e)
		if err != nil {
			return nil, fmt.Errorf("gate: %w", err)
		}
		if !concerns {
			return nil, errNoHandler
		}
	}
	return h, nil
}

// apply runs h on e, the event at stream sequence seq, in a transaction
// that records e in the inbox: an event already recorded, or at or below
// the inbox floor, is not handled again (errAlreadyHandled).
func (c *Consumer) apply(ctx context.Context, db *sqldb.DB, spec ConsumerSpec, h Handler, e Event, seq uint64) error {
	return db.InTx(ctx, func(tx *sqldb.Tx) error {
		first, err := tx.ChangedOne(ctx,
			"INSERT INTO inbox (consumer, event_id, stream, stream_seq, handled_time) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			spec.Durable, e.ID, spec.Stream, int64(seq), time.Now().UnixMicro())
		if err != nil {
			return err
		}
		if !first {
			return errAlreadyHandled
		}
		// No row, but perhaps pruned: after the row's insert, so that a
		// floor raised (and the row deleted) meanwhile by another
		// replica is seen.
		done, err := belowFloor(ctx, tx, spec, c.streamCreated.Load(), seq)
		if err != nil {
			return err
		}
		if done {
			return errAlreadyHandled
		}
		return h(ctx, tx, e)
	})
}

// Stop stops consuming and waits for the events in hand.
func (c *Consumer) Stop() {
	c.stop()
	<-c.done
}

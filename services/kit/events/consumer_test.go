package events_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// effects records what the handler did, one row per handled event.
var effects = fstest.MapFS{"0001_effects.sql": {Data: []byte("-- +goose Up\nCREATE TABLE effects (event_id TEXT NOT NULL, subject TEXT NOT NULL);")}}

type fixture struct {
	t      *testing.T
	db     *sqldb.DB
	js     jetstream.JetStream
	prefix string
	stream string
	calls  atomic.Int64
	// failFirst makes the handler fail the first call for each event id.
	failFirst map[string]bool
	// inboxKeep and gate are the consumer's ConsumerSpec.InboxKeep and Gate.
	inboxKeep time.Duration
	gate      events.Gate
}

func newFixture(t *testing.T, dsn string, b *broker.Broker, prefix string) *fixture {
	ctx := context.Background()
	db := sqldbtest.Open(t, dsn)
	for component, m := range map[string]fstest.MapFS{"effects": effects} {
		if err := db.Migrate(ctx, component, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx, "inbox", events.Migrations); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, js: b.JS, prefix: prefix, stream: "T" + prefix, failFirst: map[string]bool{}}
	if err := events.EnsureStream(ctx, b.JS, events.StreamSpec{Name: f.stream, Subjects: []string{prefix + ".>"}}); err != nil {
		t.Fatal(err)
	}
	return f
}

// thingType is the event type the fixture's consumer handles; it belongs to
// the "test" service, whose subjects are {prefix}.test.v1.…
const thingType = "goldenthread.test.v1.Thing"

func (f *fixture) consume() *events.Consumer { return f.consumeLogging(brokertest.Logger()) }

func (f *fixture) consumeLogging(logger *slog.Logger) *events.Consumer {
	handle := func(ctx context.Context, tx *sqldb.Tx, e events.Event) error {
		f.calls.Add(1)
		if _, err := tx.ExecContext(ctx, "INSERT INTO effects (event_id, subject) VALUES (?, ?)", e.ID, e.Subject); err != nil {
			return err
		}
		if f.failFirst[e.ID] {
			delete(f.failFirst, e.ID)
			return errors.New("transient failure")
		}
		if e.Subject == "poison" {
			return events.Permanent(errors.New("cannot handle"))
		}
		return nil
	}
	return events.Consume(context.Background(), f.js, f.db,
		events.ConsumerSpec{Stream: f.stream, Durable: "test", AckWait: 2 * time.Second, SubjectPrefix: f.prefix, InboxKeep: f.inboxKeep,
			Gate: f.gate},
		logger, events.Handlers{thingType: handle, orgDeletedType: handle})
}

// publish sends an event; msgID may differ from the event id to get past
// JetStream's de-duplication, as a producer bug or a replay tool would.
func (f *fixture) publish(id, msgID, subject string) {
	f.t.Helper()
	f.publishType(thingType, id, msgID, subject)
}

func (f *fixture) publishType(eventType, id, msgID, subject string) {
	f.t.Helper()
	f.publishAs("test", "//goldenthread/test", eventType, id, msgID, subject)
}

// publishAs sends an event on a subject of the service, claiming source.
func (f *fixture) publishAs(service, source, eventType, id, msgID, subject string) {
	f.t.Helper()
	m := events.Event{ID: id, Source: source, Type: eventType, Subject: subject,
		Time: time.Now(), Data: []byte("x"), NATSSubject: f.prefix + "." + service + ".v1.org." + "thing.created"}.Msg()
	m.Header.Set(nats.MsgIdHdr, msgID)
	if _, err := f.js.PublishMsg(context.Background(), m); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) waitEffects(want int) {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var n int
		if err := f.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM effects").Scan(&n); err != nil {
			f.t.Fatal(err)
		}
		if n == want {
			// Wait a little longer: a duplicate effect would show up now.
			time.Sleep(300 * time.Millisecond)
			_ = f.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM effects").Scan(&n)
			if n != want {
				f.t.Fatalf("effects = %d, want %d", n, want)
			}
			return
		}
		if n > want || time.Now().After(deadline) {
			f.t.Fatalf("effects = %d, want %d", n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConsumerIsIdempotentAndDurable(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		sqldbtest.Run(t, func(t *testing.T, dsn string) {
			prefix := brokertest.Prefix(t, b)
			f := newFixture(t, dsn, b, prefix)
			c := f.consume()
			for i := range 5 {
				id := fmt.Sprintf("e%d", i)
				f.publish(id, id, "things/"+id)
			}
			f.waitEffects(5)

			// The same events again under new message ids: no new effects.
			for i := range 5 {
				f.publish(fmt.Sprintf("e%d", i), fmt.Sprintf("replay-%d", i), "things/replayed")
			}
			// A malformed event is terminated without touching the handler.
			bad := nats.NewMsg(prefix + ".thing")
			bad.Data = []byte("not a cloud event")
			if _, err := f.js.PublishMsg(context.Background(), bad); err != nil {
				t.Fatal(err)
			}
			f.publish("marker", "marker", "things/marker")
			f.waitEffects(6)

			// Stop; events published meanwhile are handled after a restart,
			// and nothing before them is handled again.
			c.Stop()
			f.publish("late", "late", "things/late")
			f.failFirst["retry"] = true
			f.publish("retry", "retry", "things/retry")
			c = f.consume()
			defer c.Stop()
			f.waitEffects(8)
		})
	})
}

// Once the stream no longer keeps an event, its inbox row goes too: the
// inbox does not grow without bound on a stream with a MaxAge.
func TestConsumerPrunesInboxPastStreamMaxAge(t *testing.T) {
	b := brokertest.Embedded(t)
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, b, brokertest.Prefix(t, b))
		inbox := func() (n int) {
			if err := f.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM inbox WHERE stream = ?", f.stream).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		c := f.consume()
		f.publish("old", "old", "things/old")
		f.waitEffects(1)
		c.Stop()
		if n := inbox(); n != 1 {
			t.Fatalf("inbox rows after handling one event: %d", n)
		}

		// The stream keeps events one second from now on; the consumer
		// prunes as it attaches.
		if err := events.EnsureStream(context.Background(), f.js,
			events.StreamSpec{Name: f.stream, Subjects: []string{f.prefix + ".>"}, MaxAge: time.Second}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		c = f.consume()
		defer c.Stop()
		apitest.Eventually(t, 10*time.Second, "the inbox still holds the row of an event its stream dropped", func() bool { return inbox() == 0 })
		f.publish("new", "new", "things/new")
		f.waitEffects(2)
	})
}

// An event of a type the consumer has no handler for is acknowledged,
// without an inbox row, and the consumer goes on to the next.
func TestConsumerPassesOverOtherTypes(t *testing.T) {
	b := brokertest.Embedded(t)
	f := newFixture(t, sqldbtest.SQLiteDSN(t), b, brokertest.Prefix(t, b))
	c := f.consume()
	defer c.Stop()
	f.publishType("goldenthread.test.v1.Other", "other", "other", "things/other")
	f.publish("after", "after", "things/after")
	f.waitEffects(1)
	if n := f.calls.Load(); n != 1 {
		t.Errorf("handler calls: %d, want 1 (the other type has no handler)", n)
	}
	var n int
	if err := f.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM inbox WHERE event_id = 'other'").Scan(&n); err != nil || n != 0 {
		t.Errorf("inbox rows of the other type's event: %d, %v; want none", n, err)
	}
	f.waitAcknowledged(2)
}

// A gate turns events away before their transaction: the handler is not
// called, no inbox row is written, and the event is acknowledged. A gate
// that fails has the event delivered again, as a failing handler does.
func TestConsumerGate(t *testing.T) {
	b := brokertest.Embedded(t)
	f := newFixture(t, sqldbtest.SQLiteDSN(t), b, brokertest.Prefix(t, b))
	var failed atomic.Bool
	f.gate = func(_ context.Context, e events.Event) (bool, error) {
		if e.Subject == "flaky" && !failed.Swap(true) {
			return false, errors.New("cannot read")
		}
		return e.Subject != "turned-away", nil
	}
	c := f.consume()
	defer c.Stop()
	f.publish("away", "away", "turned-away")
	f.publish("flaky", "flaky", "flaky")
	f.publish("let", "let", "let-through")
	f.waitEffects(2)
	rows, err := sqldb.Select(context.Background(), f.db, "inbox", func(s sqldb.Scanner) (string, error) {
		var id string
		err := s.Scan(&id)
		return id, err
	}, "SELECT event_id FROM inbox ORDER BY event_id")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"flaky", "let"}; !slices.Equal(rows, want) {
		t.Errorf("inbox rows %v, want %v (none for the event turned away)", rows, want)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("handler calls: %d, want 2", n)
	}
	f.waitAcknowledged(3)
}

// waitAcknowledged waits until the consumer has acknowledged the stream's
// first n events.
func (f *fixture) waitAcknowledged(n uint64) {
	f.t.Helper()
	apitest.Eventually(f.t, 10*time.Second, fmt.Sprintf("the consumer has not acknowledged %d events", n), func() bool {
		cons, err := f.js.Consumer(context.Background(), f.stream, "test")
		if err != nil {
			return false
		}
		info, err := cons.Info(context.Background())
		return err == nil && info.AckFloor.Stream >= n && info.NumAckPending == 0
	})
}

func TestPermanentErrorTerminatesEvent(t *testing.T) {
	b := brokertest.Embedded(t)
	f := newFixture(t, sqldbtest.SQLiteDSN(t), b, brokertest.Prefix(t, b))
	c := f.consume()
	defer c.Stop()
	f.publish("p", "p", "poison")
	f.publish("ok", "ok", "things/ok")
	f.waitEffects(1)
	time.Sleep(2500 * time.Millisecond) // past AckWait: a poison event not terminated would come back
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("handler called %d times, want 2 (poison once, ok once)", n)
	}
}

// orgDeletedType is an organisations event type the fixture's consumer
// also handles, as the planning service handles it on every stream it reads.
const orgDeletedType = "goldenthread.organisations.v1.OrganisationDeleted"

// A consumer refuses an event whose ce-source or type claims a producer
// other than the service its subject names: NATS lets only that service
// publish there, so such an event is someone speaking for another. It is
// terminated and logged, and the handler never sees it.
func TestConsumerRefusesEventsOfAnotherProducer(t *testing.T) {
	b := brokertest.Embedded(t)
	f := newFixture(t, sqldbtest.SQLiteDSN(t), b, brokertest.Prefix(t, b))
	var logs bytes.Buffer
	c := f.consumeLogging(slog.New(slog.NewTextHandler(&logs, nil)))
	// On a teams subject, which the teams user may publish on: an
	// organisation's deletion, claiming to come from organisations, or
	// from teams; and on the test service's subject, its own type from
	// another source.
	f.publishAs("teams", "//goldenthread/organisations", orgDeletedType, "forged-source", "forged-source", "organisations/north")
	f.publishAs("teams", "//goldenthread/teams", orgDeletedType, "forged-type", "forged-type", "organisations/north")
	f.publishAs("test", "//goldenthread/organisations", thingType, "wrong-source", "wrong-source", "things/x")
	// The same deletion from organisations, and the test service's own
	// event, are handled.
	f.publishAs("organisations", "//goldenthread/organisations", orgDeletedType, "real", "real", "organisations/north")
	f.publish("after", "after", "things/after")
	f.waitEffects(2)
	time.Sleep(2500 * time.Millisecond) // past AckWait: a refused event not terminated would come back
	c.Stop()
	if n := f.calls.Load(); n != 2 {
		t.Errorf("handler calls: %d, want 2 (the refused events never reach it)", n)
	}
	var n int
	if err := f.db.QueryRowContext(context.Background(),
		"SELECT COUNT(*) FROM inbox WHERE event_id IN ('forged-source', 'forged-type', 'wrong-source')").Scan(&n); err != nil || n != 0 {
		t.Errorf("inbox rows of refused events: %d, %v", n, err)
	}
	for _, id := range []string{"forged-source", "forged-type", "wrong-source"} {
		if !strings.Contains(logs.String(), "event_id="+id) || !strings.Contains(logs.String(), "refusing an event") {
			t.Errorf("no log of the refused event %s:\n%s", id, logs.String())
		}
	}
}

// A consumer with no subject prefix cannot check its events, so it does
// not start: the events stay in the stream for a consumer that can.
func TestConsumerWithoutSubjectPrefixDoesNotConsume(t *testing.T) {
	b := brokertest.Embedded(t)
	f := newFixture(t, sqldbtest.SQLiteDSN(t), b, brokertest.Prefix(t, b))
	f.publish("e", "e", "things/e")
	c := events.Consume(context.Background(), f.js, f.db, events.ConsumerSpec{Stream: f.stream, Durable: "test"}, brokertest.Logger(),
		events.Handlers{thingType: func(context.Context, *sqldb.Tx, events.Event) error { f.calls.Add(1); return nil }})
	c.Stop() // returns at once: it never attached
	if _, err := f.js.Consumer(context.Background(), f.stream, "test"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Errorf("the consumer was created: %v", err)
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("handler calls: %d", n)
	}
}

// TestConsumerReportsLag: a consumer reports how many events of its stream
// it has not handled yet, as JetStream counts them — here, every event
// published while its handler is held up.
func TestConsumerReportsLag(t *testing.T) {
	b := brokertest.Embedded(t)
	f := newFixture(t, sqldbtest.SQLiteDSN(t), b, brokertest.Prefix(t, b))
	reg := prometheus.NewRegistry()
	if err := events.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		f.publish(id, id, "things/"+id)
	}
	release := make(chan struct{})
	held := func(ctx context.Context, _ *sqldb.Tx, _ events.Event) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c := events.Consume(context.Background(), f.js, f.db,
		events.ConsumerSpec{Stream: f.stream, Durable: "lagging", AckWait: 10 * time.Second, SubjectPrefix: f.prefix,
			LagEvery: 100 * time.Millisecond},
		brokertest.Logger(), events.Handlers{thingType: held})
	defer c.Stop()
	defer close(release)
	labels := map[string]string{"consumer": "lagging", "stream": f.stream}
	apitest.Eventually(t, 10*time.Second, "the lag is not reported", func() bool {
		return metricValue(t, reg, "goldenthread_events_consumer_pending", labels)+
			metricValue(t, reg, "goldenthread_events_consumer_unacknowledged", labels) == 3
	})
}

// inboxRows counts the fixture consumer's inbox rows.
func (f *fixture) inboxRows() int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM inbox WHERE consumer = 'test' AND stream = ?", f.stream).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// waitAckFloor waits until JetStream has every event up to seq of the
// fixture's consumer acknowledged.
func (f *fixture) waitAckFloor(seq uint64) {
	f.t.Helper()
	apitest.Eventually(f.t, 10*time.Second, "the acknowledgements do not reach the server", func() bool {
		cons, err := f.js.Consumer(context.Background(), f.stream, "test")
		if err != nil {
			return false
		}
		info, err := cons.Info(context.Background())
		return err == nil && info.AckFloor.Stream >= seq
	})
}

// Rows of events at or below the consumer's ack floor go once InboxKeep
// has passed, long before the stream's age; the floor recorded in their
// place still turns away what the consumer is given again, from the same
// stream only.
func TestConsumerPrunesInboxBelowAckFloor(t *testing.T) {
	b := brokertest.Embedded(t)
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		f := newFixture(t, dsn, b, brokertest.Prefix(t, b))
		f.inboxKeep = time.Nanosecond
		c := f.consume()
		for i := range 5 {
			id := fmt.Sprintf("e%d", i)
			f.publish(id, id, "things/"+id)
		}
		f.waitEffects(5)
		f.waitAckFloor(5)
		c.Stop()

		// It prunes as it attaches.
		c = f.consume()
		apitest.Eventually(t, 10*time.Second, "the inbox still holds rows below the ack floor", func() bool { return f.inboxRows() == 0 })
		var floor int64
		if err := f.db.QueryRowContext(context.Background(), "SELECT floor_seq FROM inbox_floors WHERE consumer = 'test' AND stream = ?",
			f.stream).Scan(&floor); err != nil || floor != 5 {
			t.Fatalf("inbox floor %d (err %v), want 5", floor, err)
		}
		c.Stop()

		// The durable consumer deleted (as to restore a backup): it starts
		// over from the stream's first event, and the five handled events,
		// their rows gone, are skipped by the floor.
		if err := f.js.DeleteConsumer(context.Background(), f.stream, "test"); err != nil {
			t.Fatal(err)
		}
		c = f.consume()
		f.publish("after", "after", "things/after")
		f.waitEffects(6)
		if n := f.calls.Load(); n != 6 {
			t.Fatalf("handler calls: %d, want 6 (the replayed events are below the floor)", n)
		}
		c.Stop()

		// A new stream of the same name counts from 1 again: its events
		// are not the old stream's, whatever their sequence.
		if err := f.js.DeleteStream(context.Background(), f.stream); err != nil {
			t.Fatal(err)
		}
		if err := events.EnsureStream(context.Background(), f.js, events.StreamSpec{Name: f.stream, Subjects: []string{f.prefix + ".>"}}); err != nil {
			t.Fatal(err)
		}
		f.publish("new", "new", "things/new")
		c = f.consume()
		defer c.Stop()
		f.waitEffects(7)
	})
}

// Below the ack floor, a row handled within InboxKeep stays: it turns
// away the same event published again past JetStream's duplicate window.
func TestConsumerKeepsRecentInboxRows(t *testing.T) {
	b := brokertest.Embedded(t)
	f := newFixture(t, sqldbtest.SQLiteDSN(t), b, brokertest.Prefix(t, b))
	c := f.consume()
	f.publish("e", "e", "things/e")
	f.waitEffects(1)
	f.waitAckFloor(1)
	c.Stop()
	c = f.consume() // prunes as it attaches
	defer c.Stop()
	apitest.Eventually(t, 10*time.Second, "no inbox floor recorded", func() bool {
		var n int
		_ = f.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM inbox_floors WHERE floor_seq = 1").Scan(&n)
		return n == 1
	})
	if n := f.inboxRows(); n != 1 {
		t.Fatalf("inbox rows: %d, want 1 (handled within InboxKeep)", n)
	}
	f.publish("e", "e-again", "things/e")
	f.publish("marker", "marker", "things/marker")
	f.waitEffects(2)
}

package events_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// An event whose handler always fails is delivered MaxDeliver times and
// then given up: a dead letter records it, the metric counts it, and the
// consumer goes on with the events after it.
func TestEventThatKeepsFailingBecomesADeadLetter(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		sqldbtest.Run(t, func(t *testing.T, dsn string) {
			ctx := context.Background()
			f := newFixture(t, dsn, b, brokertest.Prefix(t, b))
			reg := prometheus.NewRegistry()
			if err := events.RegisterMetrics(reg); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			calls := map[string]int{}
			handle := func(ctx context.Context, tx *sqldb.Tx, e events.Event) error {
				mu.Lock()
				calls[e.ID]++
				mu.Unlock()
				if e.Subject == "poison" {
					return errors.New("always fails")
				}
				_, err := tx.ExecContext(ctx, "INSERT INTO effects (event_id, subject) VALUES (?, ?)", e.ID, e.Subject)
				return err
			}
			const maxDeliver = 3
			c := events.Consume(ctx, f.js, f.db, events.ConsumerSpec{Stream: f.stream, Durable: "test", SubjectPrefix: f.prefix,
				MaxDeliver: maxDeliver, Backoff: []time.Duration{50 * time.Millisecond}}, brokertest.Logger(),
				events.Handlers{thingType: handle})
			defer c.Stop()

			f.publish("bad", "bad", "poison") // stream sequence 1
			f.publish("next", "next", "things/next")
			deadLetters := func() (n int) {
				if err := f.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM dead_letters").Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			apitest.Eventually(t, 20*time.Second, "no dead letter of the failing event", func() bool { return deadLetters() > 0 })

			var consumer, stream, subject, eventID, eventType string
			var seq, deliveries, deadTime int64
			if err := f.db.QueryRowContext(ctx, `SELECT consumer, stream, stream_seq, subject, event_id, event_type, deliveries, dead_time
				FROM dead_letters`).Scan(&consumer, &stream, &seq, &subject, &eventID, &eventType, &deliveries, &deadTime); err != nil {
				t.Fatal(err)
			}
			if consumer != "test" || stream != f.stream || seq != 1 || subject != f.prefix+".test.v1.org.thing.created" ||
				eventID != "bad" || eventType != thingType || deliveries != maxDeliver {
				t.Errorf("dead letter: consumer %q, stream %q, seq %d, subject %q, event %q of type %q, %d deliveries",
					consumer, stream, seq, subject, eventID, eventType, deliveries)
			}
			if at := time.UnixMicro(deadTime); time.Since(at) > time.Minute || time.Until(at) > time.Minute {
				t.Errorf("dead letter time %s, not about now", at)
			}

			// The consumer goes on: with the event published before the
			// dead letter, and one after; the failing event never comes back.
			f.publish("after", "after", "things/after")
			f.waitEffects(2)
			time.Sleep(500 * time.Millisecond) // ten backoffs: a further delivery would have come
			mu.Lock()
			if calls["bad"] != maxDeliver || calls["next"] != 1 || calls["after"] != 1 {
				t.Errorf("handler calls %v, want bad %d times, next and after once", calls, maxDeliver)
			}
			mu.Unlock()
			if n := deadLetters(); n != 1 {
				t.Errorf("%d dead letters, want 1", n)
			}
			labels := map[string]string{"consumer": "test", "stream": f.stream}
			if v := metricValue(t, reg, "goldenthread_events_dead_letters_total", labels); v != 1 {
				t.Errorf("goldenthread_events_dead_letters_total = %v, want 1", v)
			}
			labels["result"] = events.ResultExhausted
			if v := metricValue(t, reg, "goldenthread_events_consumed_total", labels); v != 1 {
				t.Errorf("goldenthread_events_consumed_total{result=%q} = %v, want 1", events.ResultExhausted, v)
			}
			cons, err := f.js.Consumer(ctx, f.stream, "test")
			if err != nil {
				t.Fatal(err)
			}
			if info, err := cons.Info(ctx); err != nil || info.Config.MaxDeliver != maxDeliver || info.NumAckPending != 0 {
				t.Errorf("consumer: %+v, %v; want max deliver %d and nothing pending", info, err, maxDeliver)
			}
		})
	})
}

// A consumer that an earlier release created, delivering without limit,
// is brought to a bounded MaxDeliver as it attaches.
func TestConsumerOfAnEarlierReleaseGetsBoundedDeliveries(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		ctx := context.Background()
		f := newFixture(t, sqldbtest.SQLiteDSN(t), b, brokertest.Prefix(t, b))
		if _, err := f.js.CreateOrUpdateConsumer(ctx, f.stream, jetstream.ConsumerConfig{Durable: "test",
			AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy, AckWait: 2 * time.Second,
			MaxAckPending: 256}); err != nil {
			t.Fatal(err)
		}
		c := f.consume()
		defer c.Stop()
		f.publish("e", "e", "things/e")
		f.waitEffects(1)
		cons, err := f.js.Consumer(ctx, f.stream, "test")
		if err != nil {
			t.Fatal(err)
		}
		if info, err := cons.Info(ctx); err != nil || info.Config.MaxDeliver != events.DefaultMaxDeliver {
			t.Errorf("consumer: %+v, %v; want max deliver %d", info, err, events.DefaultMaxDeliver)
		}
	})
}

// metricValue is the value of the counter or gauge name with labels in reg, 0 when it
// has none.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, family := range families {
		if family.GetName() != name {
			continue
		}
	metrics:
		for _, m := range family.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue metrics
				}
			}
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return 0
}

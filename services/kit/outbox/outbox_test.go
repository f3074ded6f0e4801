package outbox_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

const source = "//goldenthread/test"

func openDB(t *testing.T, dsn string) *sqldb.DB {
	t.Helper()
	db := sqldbtest.Open(t, dsn)
	if err := db.Migrate(context.Background(), "outbox", outbox.Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}

// write commits n changes, each with one event, and returns their resources.
func write(t *testing.T, db *sqldb.DB, ob *outbox.Outbox, prefix string, n int) []string {
	t.Helper()
	var names []string
	for i := range n {
		name := fmt.Sprintf("things/%s-%d", prefix, i)
		err := db.InTx(context.Background(), func(tx *sqldb.Tx) error {
			return ob.Add(context.Background(), tx, prefix+".thing.created", name, wrapperspb.String(name))
		})
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		names = append(names, name)
	}
	return names
}

// streamMessages waits until the stream holds want messages and returns them.
func streamMessages(t *testing.T, js jetstream.JetStream, stream string, want int) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var s jetstream.Stream
	for {
		var info *jetstream.StreamInfo
		var err error
		if s, err = js.Stream(ctx, stream); err == nil {
			info, err = s.Info(ctx)
		}
		if err == nil && info.State.Msgs >= uint64(want) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("stream %s: want %d messages, state %+v, err %v", stream, want, info, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Give a stray duplicate time to show up before counting.
	time.Sleep(200 * time.Millisecond)
	info, _ := s.Info(ctx)
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func streamOf(prefix string) events.StreamSpec {
	return events.StreamSpec{Name: "T" + prefix, Subjects: []string{prefix + ".>"}}
}

// ensureStream creates the stream up front, for tests that need it before
// the relay runs.
func ensureStream(t *testing.T, js jetstream.JetStream, prefix string) string {
	t.Helper()
	if err := events.EnsureStream(context.Background(), js, streamOf(prefix)); err != nil {
		t.Fatal(err)
	}
	return streamOf(prefix).Name
}

func startRelay(t *testing.T, ob *outbox.Outbox, js jetstream.JetStream) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ob.Relay(ctx, js) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestEventPublishedOnceWithCloudEventsHeaders(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		sqldbtest.Run(t, func(t *testing.T, dsn string) {
			prefix := brokertest.Prefix(t, b)
			db := openDB(t, dsn)
			ob := outbox.New(db, source, streamOf(prefix), brokertest.Logger())
			stream := streamOf(prefix).Name
			startRelay(t, ob, b.JS) // creates the stream

			before := time.Now().Add(-time.Second)
			names := write(t, db, ob, prefix, 1)
			msgs := streamMessages(t, b.JS, stream, 1)
			if len(msgs) != 1 {
				t.Fatalf("%d messages on the stream, want 1", len(msgs))
			}
			m := msgs[0]
			ev, err := events.FromMsg(m.Subject, m.Header, m.Data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != prefix+".thing.created" || ev.Source != source || ev.Subject != names[0] ||
				ev.Type != "google.protobuf.StringValue" || ev.Time.Before(before) || ev.Time.After(time.Now()) {
				t.Errorf("event %+v on %s", ev, m.Subject)
			}
			if got := m.Header.Get("Nats-Msg-Id"); got != ev.ID {
				t.Errorf("Nats-Msg-Id %q, ce-id %q", got, ev.ID)
			}
			// The binding's header, and the one consumers of earlier
			// releases read.
			for _, h := range []string{"ce-datacontenttype", "content-type"} {
				if got := m.Header.Get(h); got != "application/protobuf" {
					t.Errorf("%s %q", h, got)
				}
			}
			var payload wrapperspb.StringValue
			if err := proto.Unmarshal(m.Data, &payload); err != nil || payload.Value != names[0] {
				t.Errorf("payload %v, err %v", payload.Value, err)
			}
		})
	})
}

func TestTwoRelaysPublishEachEventOnce(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		b := brokertest.Embedded(t)
		prefix := brokertest.Prefix(t, b)
		stream := ensureStream(t, b.JS, prefix)
		db1, db2 := openDB(t, dsn), openDB(t, dsn)
		ob1 := outbox.New(db1, source, streamOf(prefix), brokertest.Logger())
		ob2 := outbox.New(db2, source, streamOf(prefix), brokertest.Logger())
		startRelay(t, ob1, b.JS)
		startRelay(t, ob2, b.JS)

		var wg sync.WaitGroup
		for i, pair := range []struct {
			db *sqldb.DB
			ob *outbox.Outbox
		}{{db1, ob1}, {db2, ob2}} {
			wg.Add(1)
			go func() { defer wg.Done(); write(t, pair.db, pair.ob, fmt.Sprintf("%s.w%d", prefix, i), 100) }()
		}
		wg.Wait()
		assertUnique(t, streamMessages(t, b.JS, stream, 200), 200)
	})
}

func TestWritesSucceedWhileNATSIsDownAndArriveAfter(t *testing.T) {
	dir := t.TempDir()
	opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true}
	srv := startServer(t, opts)
	opts.Port = srv.Addr().(*net.TCPAddr).Port
	url := srv.ClientURL()

	b, err := broker.Connect(broker.Config{URL: url, Name: t.Name()}, brokertest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	prefix := brokertest.Prefix(t, b)
	stream := ensureStream(t, b.JS, prefix)
	db := openDB(t, sqldbtest.SQLiteDSN(t))
	ob := outbox.New(db, source, streamOf(prefix), brokertest.Logger())
	startRelay(t, ob, b.JS)

	write(t, db, ob, prefix+".before", 10)
	streamMessages(t, b.JS, stream, 10)

	srv.Shutdown()
	srv.WaitForShutdown()
	start := time.Now()
	write(t, db, ob, prefix+".during", 50)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("50 writes with NATS down took %s", took)
	}

	srv = startServer(t, opts)
	t.Cleanup(srv.Shutdown)
	assertUnique(t, streamMessages(t, b.JS, stream, 60), 60)

	deadline := time.Now().Add(5 * time.Second)
	for {
		var unsent int
		if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM outbox WHERE sent_time IS NULL").Scan(&unsent); err != nil {
			t.Fatal(err)
		}
		if unsent == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d outbox rows still unsent", unsent)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A stream that exists but refuses its new configuration (here: a max
// bytes the server has no room to reserve) still gets the events.
func TestRelayPublishesToAStreamThatRefusesItsConfiguration(t *testing.T) {
	opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
		JetStreamMaxStore: 64 << 20}
	srv := startServer(t, opts)
	t.Cleanup(srv.Shutdown)
	b, err := broker.Connect(broker.Config{URL: srv.ClientURL(), Name: t.Name()}, brokertest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	prefix := brokertest.Prefix(t, b)
	spec := streamOf(prefix) // the default max bytes, more than the server's whole store
	unlimited := spec
	unlimited.MaxBytes = events.NoLimit
	if err := events.EnsureStream(context.Background(), b.JS, unlimited); err != nil {
		t.Fatal(err)
	}
	if err := events.EnsureStream(context.Background(), b.JS, spec); err == nil || !strings.Contains(err.Error(), "reserve") {
		t.Fatalf("updating the stream to a max bytes the server cannot reserve: %v", err)
	}

	db := openDB(t, sqldbtest.SQLiteDSN(t))
	ob := outbox.New(db, source, spec, brokertest.Logger())
	startRelay(t, ob, b.JS)
	write(t, db, ob, prefix, 3)
	assertUnique(t, streamMessages(t, b.JS, spec.Name, 3), 3)
}

// count returns how many outbox rows match where ("" for all).
func count(t *testing.T, db *sqldb.DB, where string) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM outbox"
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := db.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitRows waits until the outbox holds want rows matching where.
func waitRows(t *testing.T, db *sqldb.DB, where string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n := count(t, db, where)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the outbox holds %d rows (%s), want %d", within, n, where, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeInOneTx commits n events in a single change.
func writeInOneTx(t *testing.T, db *sqldb.DB, ob *outbox.Outbox, prefix string, n int) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *sqldb.Tx) error {
		for i := range n {
			name := fmt.Sprintf("things/%s-%d", prefix, i)
			if err := ob.Add(context.Background(), tx, prefix+".thing.created", name, wrapperspb.String(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Published rows go: at once with no retention, after it otherwise; the
// stream keeps every event.
func TestPublishedRowsAreDeleted(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		b := brokertest.Embedded(t)
		t.Run("at once", func(t *testing.T) {
			prefix := brokertest.Prefix(t, b)
			db := openDB(t, dsn)
			ob := outbox.New(db, source, streamOf(prefix), brokertest.Logger(), outbox.WithRetention(0))
			startRelay(t, ob, b.JS)
			// More than one relay batch.
			writeInOneTx(t, db, ob, prefix, 300)
			assertUnique(t, streamMessages(t, b.JS, streamOf(prefix).Name, 300), 300)
			waitRows(t, db, "", 0, 5*time.Second)
		})
		t.Run("after the retention", func(t *testing.T) {
			prefix := brokertest.Prefix(t, b)
			db := openDB(t, dsn)
			const retention = 2 * time.Second
			ob := outbox.New(db, source, streamOf(prefix), brokertest.Logger(), outbox.WithRetention(retention))
			startRelay(t, ob, b.JS)
			written := time.Now()
			write(t, db, ob, prefix, 5)
			assertUnique(t, streamMessages(t, b.JS, streamOf(prefix).Name, 5), 5)
			if n := count(t, db, "sent_time IS NOT NULL"); n != 5 && time.Since(written) < retention {
				t.Fatalf("%d published rows kept within the retention, want 5", n)
			}
			// Deleted within the retention and a pruning interval (a
			// second, at half this retention).
			waitRows(t, db, "", 0, retention+3*time.Second)
		})
	})
}

// Rows JetStream has not acknowledged stay, whatever their age, until they
// are published.
func TestUnpublishedRowsAreNeverDeleted(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true}
		srv := startServer(t, opts)
		opts.Port = srv.Addr().(*net.TCPAddr).Port
		b, err := broker.Connect(broker.Config{URL: srv.ClientURL(), Name: t.Name()}, brokertest.Logger())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		// The server is the test's own: no prefix (brokertest.Prefix's
		// clean-up would wait for the server stopped before it).
		prefix := "unpublished"
		stream := ensureStream(t, b.JS, prefix)
		db := openDB(t, dsn)
		ob := outbox.New(db, source, streamOf(prefix), brokertest.Logger(), outbox.WithRetention(0))
		startRelay(t, ob, b.JS)

		srv.Shutdown()
		srv.WaitForShutdown()
		write(t, db, ob, prefix, 10)
		time.Sleep(1500 * time.Millisecond) // the relay tries, and fails
		if n, err := ob.Prune(context.Background(), time.Now().Add(time.Hour)); err != nil || n != 0 {
			t.Fatalf("pruning deleted %d rows (err %v), want none", n, err)
		}
		if n := count(t, db, "sent_time IS NULL"); n != 10 {
			t.Fatalf("%d unpublished rows left while NATS is down, want 10", n)
		}

		srv = startServer(t, opts)
		t.Cleanup(srv.Shutdown)
		assertUnique(t, streamMessages(t, b.JS, stream, 10), 10)
		waitRows(t, db, "", 0, 10*time.Second)
	})
}

// A relay that crashes after JetStream acknowledged a batch and before it
// recorded it leaves the rows unpublished; the next relay publishes them
// again with the same Nats-Msg-Id, and the stream keeps each event once.
func TestRepublishAfterCrashIsDeduplicated(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		b := brokertest.Embedded(t)
		prefix := brokertest.Prefix(t, b)
		stream := ensureStream(t, b.JS, prefix)
		db := openDB(t, dsn)
		ob := outbox.New(db, source, streamOf(prefix), brokertest.Logger(), outbox.WithRetention(0))
		write(t, db, ob, prefix, 20)
		if n, err := ob.PublishUnrecorded(context.Background(), b.JS); err != nil || n != 20 {
			t.Fatalf("published %d (err %v), want 20", n, err)
		}
		if n := count(t, db, "sent_time IS NULL"); n != 20 {
			t.Fatalf("%d rows unpublished after the crash, want 20", n)
		}
		startRelay(t, ob, b.JS)
		waitRows(t, db, "", 0, 5*time.Second)
		assertUnique(t, streamMessages(t, b.JS, stream, 20), 20)
	})
}

// Pruning takes any number of published rows, a batch at a time, and
// none newer than its cutoff.
func TestPruneDeletesInBatches(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		b := brokertest.Embedded(t)
		prefix := brokertest.Prefix(t, b)
		db := openDB(t, dsn)
		ob := outbox.New(db, source, streamOf(prefix), brokertest.Logger(), outbox.WithRetention(time.Hour))
		startRelay(t, ob, b.JS)
		writeInOneTx(t, db, ob, prefix, 2500)
		waitRows(t, db, "sent_time IS NOT NULL", 2500, 20*time.Second)
		if n, err := ob.Prune(context.Background(), time.Now().Add(-time.Minute)); err != nil || n != 0 {
			t.Fatalf("pruning before the rows were published deleted %d (err %v), want none", n, err)
		}
		if n, err := ob.Prune(context.Background(), time.Now().Add(time.Second)); err != nil || n != 2500 {
			t.Fatalf("pruning deleted %d (err %v), want 2500", n, err)
		}
		if n := count(t, db, ""); n != 0 {
			t.Errorf("%d rows left", n)
		}
	})
}

// The pruning query finds published rows by the outbox_published index,
// not by reading the table (SQLite's plan; PostgreSQL's depends on the
// table's size).
func TestPruneUsesTheIndex(t *testing.T) {
	db := openDB(t, sqldbtest.SQLiteDSN(t))
	if got := sqldbtest.QueryPlan(t, db, "SELECT seq FROM outbox WHERE sent_time < ? LIMIT ?", 1, 1); !strings.Contains(got, "outbox_published") {
		t.Errorf("plan %q does not use outbox_published", got)
	}
}

package outbox_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/goldenthread/goldenthread/services/kit/events"
)

func startServer(t *testing.T, opts *server.Options) *server.Server {
	t.Helper()
	o := *opts
	srv, err := server.NewServer(&o)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	return srv
}

// assertUnique checks that msgs are want events with distinct ids.
func assertUnique(t *testing.T, msgs []*jetstream.RawStreamMsg, want int) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range msgs {
		ev, err := events.FromMsg(m.Subject, m.Header, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if seen[ev.ID] {
			t.Errorf("event %s published twice", ev.ID)
		}
		seen[ev.ID] = true
	}
	if len(msgs) != want {
		t.Errorf("%d messages on the stream, want %d", len(msgs), want)
	}
}

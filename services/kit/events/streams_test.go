package events_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
)

// A stream gets the default limits, and compression (from NATS 2.10 on;
// an older server keeps streams as written), when it is created, and when
// a stream made before them (with none) is updated; a spec's own limits,
// or NoLimit, win.
func TestEnsureStreamAppliesLimits(t *testing.T) {
	brokertest.Run(t, func(t *testing.T, b *broker.Broker) {
		ctx := context.Background()
		prefix := brokertest.Prefix(t, b)
		config := func(name string) jetstream.StreamConfig {
			t.Helper()
			s, err := b.JS.Stream(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			return s.CachedInfo().Config
		}
		compression := jetstream.S2Compression
		if version := b.JS.Conn().ConnectedServerVersion(); !atLeast(version, 2, 10) {
			t.Logf("NATS %s compresses no stream", version)
			compression = jetstream.NoCompression
		}
		check := func(what, name string, maxAge time.Duration, maxBytes int64) {
			t.Helper()
			c := config(name)
			if c.MaxAge != maxAge || c.MaxBytes != maxBytes || c.Discard != jetstream.DiscardOld || c.Compression != compression {
				t.Errorf("%s: max age %s, max bytes %d, discard %s, compression %s; want %s, %d, old, %s",
					what, c.MaxAge, c.MaxBytes, c.Discard, c.Compression, maxAge, maxBytes, compression)
			}
		}
		ensure := func(spec events.StreamSpec) {
			t.Helper()
			if err := events.EnsureStream(ctx, b.JS, spec); err != nil {
				t.Fatal(err)
			}
		}

		created := events.StreamSpec{Name: "T" + prefix + "_NEW", Subjects: []string{prefix + ".new.>"}}
		ensure(created)
		check("a new stream", created.Name, events.DefaultStreamMaxAge, events.DefaultStreamMaxBytes)

		// A stream as earlier releases made it, keeping everything.
		old := events.StreamSpec{Name: "T" + prefix + "_OLD", Subjects: []string{prefix + ".old.>"}}
		if _, err := b.JS.CreateStream(ctx, jetstream.StreamConfig{Name: old.Name, Subjects: old.Subjects,
			Storage: jetstream.FileStorage, Duplicates: events.DuplicateWindow}); err != nil {
			t.Fatal(err)
		}
		if c := config(old.Name); c.MaxAge != 0 || c.MaxBytes != -1 || c.Compression != jetstream.NoCompression {
			t.Fatalf("an earlier release's stream: max age %s, max bytes %d, compression %s", c.MaxAge, c.MaxBytes, c.Compression)
		}
		ensure(old)
		check("an earlier release's stream, updated", old.Name, events.DefaultStreamMaxAge, events.DefaultStreamMaxBytes)

		old.MaxAge, old.MaxBytes = 48*time.Hour, 64<<20
		ensure(old)
		check("the spec's limits", old.Name, 48*time.Hour, 64<<20)

		old.MaxAge, old.MaxBytes = events.NoLimit, events.NoLimit
		ensure(old)
		check("no limits", old.Name, 0, -1)
	})
}

// atLeast says whether the server version (major.minor.patch) is at least
// major.minor.
func atLeast(version string, major, minor int) bool {
	var got [2]int
	if _, err := fmt.Sscanf(version, "%d.%d", &got[0], &got[1]); err != nil {
		return false
	}
	return got[0] > major || got[0] == major && got[1] >= minor
}

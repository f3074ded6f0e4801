// Package brokertest runs tests against every NATS available: the embedded
// server always, and an external server when the environment variable
// NATSEnv holds its URL. Each run gets a unique subject prefix, so tests can
// share one external server.
package brokertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/broker"
)

// NATSEnv names the variable holding the URL of an external NATS server
// with JetStream for tests, e.g. nats://127.0.0.1:4222.
const NATSEnv = "GT_TEST_NATS_URL"

// Run calls fn in a subtest per NATS with a connected broker.
func Run(t *testing.T, fn func(t *testing.T, b *broker.Broker)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) { fn(t, Embedded(t)) })
	t.Run("external", func(t *testing.T) { fn(t, External(t)) })
}

// Prefix returns a prefix unique to the test (lower-case letters and
// digits), to use in subjects and stream names so that tests can share a
// server. Streams of b whose names contain it, in any case, are deleted when
// the test ends.
func Prefix(t *testing.T, b *broker.Broker) string {
	prefix := fmt.Sprintf("t%d", time.Now().UnixNano())
	t.Cleanup(func() { deleteStreams(b, prefix) })
	return prefix
}

// Embedded starts an embedded NATS storing in a temporary directory, and
// connects to it as the operator: tests create and delete streams of any
// prefix, which no service's user may (broker's own tests check those
// users).
func Embedded(t *testing.T) *broker.Broker {
	t.Helper()
	b, err := broker.Connect(broker.Config{StoreDir: t.TempDir(), SubjectPrefix: "goldenthread", User: broker.UserOperator,
		Name: t.Name()}, Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// External connects to the NATS named by NATSEnv, skipping the test when it
// is unset.
func External(t *testing.T) *broker.Broker {
	t.Helper()
	url := os.Getenv(NATSEnv)
	if url == "" {
		t.Skipf("%s is not set; skipping the external NATS run (set it to a URL such as nats://127.0.0.1:4222)", NATSEnv)
	}
	b, err := broker.Connect(broker.Config{URL: url, Name: t.Name()}, Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	deadline := time.Now().Add(5 * time.Second)
	for b.Ready() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("%s=%s does not answer", NATSEnv, url)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return b
}

func deleteStreams(b *broker.Broker, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	names := b.JS.StreamNames(ctx)
	for name := range names.Name() {
		if strings.Contains(strings.ToLower(name), prefix) {
			_ = b.JS.DeleteStream(ctx, name)
		}
	}
}

// Logger returns a logger for tests that prints warnings and errors only
// when GT_TEST_LOG is set, to keep test output readable.
func Logger() *slog.Logger {
	if os.Getenv("GT_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

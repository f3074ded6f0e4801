package host

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"
)

// TestBinaryUpstreamFlags checks that a binary takes the address of each
// service its Spec calls as -<service>-addr, defaulting to where that
// service's own binary listens, and hands them to Open.
func TestBinaryUpstreamFlags(t *testing.T) {
	opened := errors.New("opened")
	var got Settings
	b := Binary[OwnedService]{
		Spec: Spec{Name: "kpis", Upstreams: []string{"organisations", "teams", "planning"}},
		Open: func(_ context.Context, s Settings, _ *slog.Logger) (OwnedService, error) {
			got = s
			return nil, opened
		},
	}
	err := b.run(context.Background(), []string{"-data-dir", t.TempDir(), "-teams-addr", "teams.internal:9090"})
	if !errors.Is(err, opened) {
		t.Fatalf("run: %v", err)
	}
	want := map[string]string{"organisations": "127.0.0.1:9091", "teams": "teams.internal:9090", "planning": "127.0.0.1:9093"}
	if !maps.Equal(got.Addrs, want) {
		t.Errorf("Addrs = %v, want %v", got.Addrs, want)
	}
}

func TestAddrFlag(t *testing.T) {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	AddrFlag(fs, "kpis")
	f := fs.Lookup("kpis-addr")
	if f == nil || f.DefValue != "127.0.0.1:9094" || f.Usage != "gRPC address of the KPI service" {
		t.Fatalf("kpis-addr = %+v", f)
	}
	for name, d := range Known {
		if !strings.HasSuffix(d.Title, "service") || d.GRPCAddr == "" || d.MetricsAddr == "" {
			t.Errorf("Known[%q] = %+v", name, d)
		}
	}
}

// TestBinaryOutboxRetentionFlag checks -outbox-retention: by default, and
// with 0, each event is deleted as it is published.
func TestBinaryOutboxRetentionFlag(t *testing.T) {
	opened := errors.New("opened")
	for _, c := range []struct {
		args []string
		want time.Duration
	}{
		{nil, 0},
		{[]string{"-outbox-retention", "1h"}, time.Hour},
		{[]string{"-outbox-retention", "0"}, 0},
	} {
		var got Settings
		b := Binary[OwnedService]{
			Spec: Spec{Name: "organisations"},
			Open: func(_ context.Context, s Settings, _ *slog.Logger) (OwnedService, error) {
				got = s
				return nil, opened
			},
		}
		if err := b.run(context.Background(), append([]string{"-data-dir", t.TempDir()}, c.args...)); !errors.Is(err, opened) {
			t.Fatalf("run %v: %v", c.args, err)
		}
		if got.OutboxRetention != c.want {
			t.Errorf("%v: OutboxRetention = %s, want %s", c.args, got.OutboxRetention, c.want)
		}
	}
	b := Binary[OwnedService]{Spec: Spec{Name: "organisations"}}
	if err := b.run(context.Background(), []string{"-data-dir", t.TempDir(), "-outbox-retention", "-1s"}); err == nil ||
		!strings.Contains(err.Error(), "-outbox-retention") {
		t.Errorf("a negative -outbox-retention: %v", err)
	}
}

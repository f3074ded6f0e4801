// Command teams runs the teams service on its own, the way operators deploy
// it: its own listen address, database and NATS, and the address of the
// organisations service it checks organisations and people with.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_DSN. Run with -h for the list.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/config"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/serve"
	"github.com/goldenthread/goldenthread/services/teams"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "teams:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("teams", flag.ContinueOnError)
	grpcAddr := fs.String("grpc-addr", "127.0.0.1:9092", "gRPC listen address")
	metricsAddr := fs.String("metrics-addr", "127.0.0.1:9192", "Prometheus /metrics listen address; empty disables it")
	dataDir := fs.String("data-dir", "./data", "directory for the default SQLite database and the embedded NATS")
	dsn := fs.String("dsn", "", "database: a postgres:// URL or a SQLite file path (default <data-dir>/teams.db)")
	orgAddr := fs.String("organisations-addr", "127.0.0.1:9091", "gRPC address of the organisations service")
	natsURL := fs.String("nats-url", "", "NATS server URL(s); empty starts an embedded NATS under <data-dir>/nats")
	natsListen := fs.String("nats-listen", "", "host:port on which the embedded NATS also accepts TCP clients; empty: in-process only")
	prefix := fs.String("subject-prefix", teams.DefaultSubjectPrefix, "prefix of NATS subjects and stream names")
	replicas := fs.Int("stream-replicas", 1, "replicas of the service's JetStream stream (3 in a cluster)")
	newLogger := serve.LogFlags(fs)
	if err := config.Parse(fs, os.Args[1:], "GT"); err != nil {
		return err
	}
	logger, err := newLogger()
	if err != nil {
		return err
	}
	if *dsn == "" {
		*dsn = filepath.Join(*dataDir, "teams.db")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b, err := broker.Connect(broker.Config{URL: *natsURL, StoreDir: filepath.Join(*dataDir, "nats"),
		Listen: *natsListen, Name: "teams"}, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	svc, err := teams.Open(ctx, teams.Config{DSN: *dsn, OrganisationsAddr: *orgAddr, SubjectPrefix: *prefix,
		StreamReplicas: *replicas}, logger)
	if err != nil {
		return err
	}
	defer svc.Close()

	grpcLis, err := serve.Listen(*grpcAddr)
	if err != nil {
		return err
	}
	cfg := host.Config{Logger: logger, Broker: b, Services: []host.Service{svc}, GRPC: grpcLis}
	if *metricsAddr != "" {
		if cfg.Metrics, err = serve.Listen(*metricsAddr); err != nil {
			grpcLis.Close()
			return err
		}
	}
	logger.Info("teams service started", "grpc", grpcLis.Addr().String(), "metrics", *metricsAddr)
	return host.Run(ctx, cfg)
}

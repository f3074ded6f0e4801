// Command organisations runs the organisations service (organisations and
// their people) on its own, the way operators deploy it: its own listen
// address, database and NATS.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_DSN. Run with -h for the list.
package main

import (
	"context"
	"log/slog"

	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/organisations"
)

func main() {
	host.Binary{
		Name:        "organisations",
		GRPCAddr:    "127.0.0.1:9091",
		MetricsAddr: "127.0.0.1:9191",
		Open: func(ctx context.Context, s host.Settings, logger *slog.Logger) (host.OwnedService, error) {
			return organisations.Open(ctx, organisations.Config{DSN: s.DSN,
				SubjectPrefix: s.SubjectPrefix, StreamReplicas: s.StreamReplicas}, logger)
		},
	}.Main()
}

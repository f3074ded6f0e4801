// Command planning runs the planning service on its own, the way operators
// deploy it: its own listen address, database and NATS, and the addresses
// of the organisations service (who callers are) and the teams service
// (owner teams).
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_TEAMS_ADDR. Run with -h for the list.
package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/planning"
)

func main() {
	var orgAddr, teamsAddr *string
	host.Binary{
		Name:        "planning",
		GRPCAddr:    "127.0.0.1:9093",
		MetricsAddr: "127.0.0.1:9193",
		Flags: func(fs *flag.FlagSet) {
			orgAddr = fs.String("organisations-addr", "127.0.0.1:9091", "gRPC address of the organisations service")
			teamsAddr = fs.String("teams-addr", "127.0.0.1:9092", "gRPC address of the teams service")
		},
		Open: func(ctx context.Context, s host.Settings, logger *slog.Logger) (host.OwnedService, error) {
			return planning.Open(ctx, planning.Config{Settings: s, OrganisationsAddr: *orgAddr, TeamsAddr: *teamsAddr}, logger)
		},
	}.Main()
}

// Command teams runs the teams service on its own, the way operators deploy
// it: its own listen address, database and NATS, and the address of the
// organisations service it checks organisations and people with.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_ORGANISATIONS_ADDR. Run with -h for
// the list.
package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/teams"
)

func main() {
	var orgAddr *string
	host.Binary{
		Name:        "teams",
		GRPCAddr:    "127.0.0.1:9092",
		MetricsAddr: "127.0.0.1:9192",
		Flags: func(fs *flag.FlagSet) {
			orgAddr = fs.String("organisations-addr", "127.0.0.1:9091", "gRPC address of the organisations service")
		},
		Open: func(ctx context.Context, s host.Settings, logger *slog.Logger) (host.OwnedService, error) {
			return teams.Open(ctx, teams.Config{Settings: s, OrganisationsAddr: *orgAddr}, logger)
		},
	}.Main()
}

// Command kpis runs the KPI service on its own, the way operators deploy
// it: its own listen address, database and NATS, and the addresses of the
// organisations (callers), teams (owner teams) and planning (elements)
// services.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_PLANNING_ADDR. Run with -h for the
// list.
package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kpis"
)

func main() {
	var orgAddr, teamsAddr, planningAddr *string
	host.Binary{
		Name:        "kpis",
		GRPCAddr:    "127.0.0.1:9094",
		MetricsAddr: "127.0.0.1:9194",
		Flags: func(fs *flag.FlagSet) {
			orgAddr = fs.String("organisations-addr", "127.0.0.1:9091", "gRPC address of the organisations service")
			teamsAddr = fs.String("teams-addr", "127.0.0.1:9092", "gRPC address of the teams service")
			planningAddr = fs.String("planning-addr", "127.0.0.1:9093", "gRPC address of the planning service")
		},
		Open: func(ctx context.Context, s host.Settings, logger *slog.Logger) (host.OwnedService, error) {
			return kpis.Open(ctx, kpis.Config{Settings: s, OrganisationsAddr: *orgAddr, TeamsAddr: *teamsAddr, PlanningAddr: *planningAddr}, logger)
		},
	}.Main()
}

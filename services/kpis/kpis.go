// Package kpis is the KPI service: an organisation's key performance
// indicators, organisations/{organisation}/kpis/{kpi}, on the elements of
// its plan, and their measurements, .../kpis/{kpi}/measurements/{m}, with
// the red/amber/green status that the planning service rolls up the golden
// thread.
//
// The service owns its database, asks the planning and teams services over
// gRPC whether elements and owner teams exist, reacts through NATS to
// elements and organisations being deleted, and publishes its changes —
// KpiStatusChanged above all — on GOLDENTHREAD_KPIS. Files keep the layers
// apart, per resource: <resource>_handler.go is the gRPC surface, which
// leaves the standard methods to the kit's resource engine (wired in Open);
// <resource>_rules.go the resource's own rules, pure functions tested
// without a database; <resource>_store.go the SQL. status.go is the
// documented status rule, kpis_domain.go the names both resources use, measurements_batch.go the one path that
// records measurements, csv.go the CSV form, recompute.go and overdue.go
// the status upkeep, events.go the events it publishes, reactions.go those
// it consumes, directory.go its calls to other services.
package kpis

import (
	"context"
	"embed"
	"log/slog"

	"google.golang.org/grpc"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/teams/teamsclient"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// serviceName names the service in actors (system:kpis), logs, its stream
// and its events' source, and its durable consumers.
const serviceName = "kpis"

// Spec declares the service to the kit, which assembles it and runs its
// binary. It asks the organisations service about callers, the teams
// service about owner teams and the planning service about elements; it
// follows organisations and plan elements being deleted and restored.
var Spec = host.Spec{Name: serviceName, Migrations: migrationFiles, Upstreams: []string{"organisations", "teams", "planning"},
	Consumes: []string{"organisations", "planning"}, Policy: policy}

// Open opens the database, brings its schema up to date and prepares the
// connections to the other services.
func Open(ctx context.Context, s host.Settings, logger *slog.Logger) (*host.Base, error) {
	return host.Open(ctx, Spec, s, logger, func(base *host.Base) error {
		em := emitter{add: base.Emit}
		// Time passing is the only thing that changes a status without a call.
		base.Background = append(base.Background, base.Repeat("overdue sweep", sweepInterval, nil,
			func(ctx context.Context) error { return sweepOnce(ctx, base.DB, em) }))
		dir := directory{elements: planningpb.NewElementsServiceClient(base.Conns["planning"]), plans: planningpb.NewPublicationServiceClient(base.Conns["planning"]),
			teamDirectory: teamsclient.New(base.Conns["teams"])}
		// The resource engine carries out the standard methods of both
		// resources; the handlers add the KPI lock and the status upkeep.
		kpis := resource.Engine[*kpiRecord, *pb.Kpi]{DB: base.DB, Service: serviceName, Field: "kpi", Type: kpiType,
			Events: resource.EventsOf[*pb.Kpi](base.Emit, "kpi")}
		measurements := resource.Engine[*measurementRecord, *pb.Measurement]{DB: base.DB, Service: serviceName,
			Field: "measurement", Type: measurementType, Events: measurementEvents{em}, DeletedHint: measurementDeletedHint}
		base.Reactions = reactions{kpis: kpis, events: em}.handlers()
		base.Handlers = func(g grpc.ServiceRegistrar) {
			pb.RegisterKpisServiceServer(g, &kpisHandler{kpis: kpis, dir: dir, events: em})
			pb.RegisterMeasurementsServiceServer(g, &measurementsHandler{measurements: measurements, dir: dir, events: em})
		}
		return nil
	})
}

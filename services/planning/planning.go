// Package planning is the planning service: an organisation's plan —
// Vision -> Mission -> Objective -> Strategy -> Tactic — as
// organisations/{organisation}/elements/{element}, with the golden thread
// from every tactic up to the vision, and health and progress rolled up
// along it.
//
// The service owns its database, asks the teams service over gRPC whether
// owner teams exist, reacts through NATS to organisations and teams being
// deleted and to KPIs changing status, and publishes its own changes on
// GOLDENTHREAD_PLANNING. Files keep the layers apart: elements_handler.go
// and views_handler.go are the gRPC surface, which leaves the standard
// methods to the kit's resource engine; elements_rules.go holds the
// element's rules as pure functions, elements_hooks.go the engine's hooks
// (the plan's lock, the checks that read other elements, the cascades),
// rollup.go the roll-up along the thread, asof.go the plan as it stood at
// a past time (from the kit's history), cycles_*.go the planning cycles
// (closing, carrying forward), elements_domain.go names and the
// updatable fields, *_store.go the SQL, events.go the events it publishes,
// reactions.go the events it consumes; it asks the teams service about
// teams through teams/teamsclient, and host.Base assembles it.
package planning

import (
	"context"
	"embed"
	"log/slog"

	"google.golang.org/grpc"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/teams/teamsclient"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// serviceName names the service in actors (system:planning), logs, its
// stream and its events' source, and its durable consumers.
const serviceName = "planning"

// Spec declares the service to the kit, which assembles it and runs its
// binary. It calls the organisations service, which checks callers'
// credentials; the teams service: whether owner teams exist and who is
// in them; and the KPI service: which KPIs a person's teams owe. It
// follows organisations and teams being deleted and restored, and KPIs
// changing status.
var Spec = host.Spec{Name: serviceName, Migrations: migrationFiles, Upstreams: []string{"organisations", "teams", "kpis"},
	Consumes: []string{"organisations", "teams", "kpis"}, Policy: policy}

// Open opens the database, brings its schema up to date and prepares the
// connections to the organisations and teams services.
func Open(ctx context.Context, s host.Settings, logger *slog.Logger) (*host.Base, error) {
	return host.Open(ctx, Spec, s, logger, func(base *host.Base) error {
		woken := make(chan struct{}, 1)
		em := newEmitter(base.Emit, func() {
			select {
			case woken <- struct{}{}:
			default: // already woken
			}
		})
		base.Background = append(base.Background, base.Repeat("cross-organisation roll-up", drainInterval, woken,
			func(ctx context.Context) error { return drainOnce(ctx, base.DB, em) }))
		elements := resource.Engine[*elementRecord, *pb.Element]{DB: base.DB, Service: serviceName, Field: "element", Type: elementType, Events: em}
		base.Reactions = reactions{elements: elements, events: em}.handlers()
		base.Handlers = func(g grpc.ServiceRegistrar) {
			orgs := organisations{orgpb.NewOrganisationsServiceClient(base.Conns["organisations"]), orgpb.NewPeopleServiceClient(base.Conns["organisations"])}
			teams := teamsclient.New(base.Conns["teams"])
			measures := kpis{kpipb.NewKpisServiceClient(base.Conns["kpis"]), kpipb.NewMeasurementsServiceClient(base.Conns["kpis"])}
			eh := &elementsHandler{db: base.DB, events: em, elements: elements, teams: teams, owners: orgs, kpis: measures}
			pb.RegisterElementsServiceServer(g, eh)
			checkIns := resource.Engine[*checkInRecord, *pb.CheckIn]{DB: base.DB, Service: serviceName, Field: "check_in", Type: checkInType,
				Events: resource.EventsOf[*pb.CheckIn](base.Emit, "check_in")}
			pb.RegisterCheckInsServiceServer(resource.Standard(g, checkIns.Reads()), &checkInsHandler{elements: eh, checkIns: checkIns})
			pb.RegisterWorkServiceServer(g, &workHandler{db: base.DB, people: orgs, teams: teams, kpis: measures})
			pb.RegisterDigestServiceServer(g, &digestHandler{db: base.DB, teams: teams, kpis: measures})
			comments := &commentsHandler{db: base.DB, people: orgs, kpis: measures, emit: base.Emit, engines: map[string]resource.Engine[*commentRecord, *pb.Comment]{}}
			for kind, t := range map[string]resource.Type[*commentRecord]{"elements": elementCommentType, "checkIns": checkInCommentType, "kpis": kpiCommentType} {
				comments.engines[kind] = resource.Engine[*commentRecord, *pb.Comment]{DB: base.DB, Service: serviceName, Field: "comment", Type: t,
					Events: resource.EventsOf[*pb.Comment](base.Emit, "comment")}
			}
			pb.RegisterCommentsServiceServer(g, comments)
			cycles := resource.Engine[*cycleRecord, *pb.Cycle]{DB: base.DB, Service: serviceName, Field: "cycle", Type: cycleType,
				Events: resource.EventsOf[*pb.Cycle](base.Emit, "cycle")}
			pb.RegisterCyclesServiceServer(resource.Standard(g, cycles.Lists()), &cyclesHandler{cycles: cycles, elements: eh, kpis: measures})
			publications := resource.Engine[*publicationRecord, *pb.Publication]{DB: base.DB, Service: serviceName, Field: "publication",
				Type: publicationType, Events: resource.EventsOf[*pb.Publication](base.Emit, "publication")}
			pb.RegisterPublicationServiceServer(resource.Standard(g, publications.Gets()), &publicationHandler{teams: teams, publications: publications})
			links := resource.Engine[*linkRecord, *pb.LinkRequest]{DB: base.DB, Service: serviceName, Field: "link_request", Type: linkType,
				Events: linkEvents{base.Emit}}
			pb.RegisterLinkRequestsServiceServer(resource.Standard(g, links.Reads()), &linksHandler{links: links})
		}
		return nil
	})
}

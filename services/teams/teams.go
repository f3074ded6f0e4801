// Package teams is the teams service: the nested teams inside each
// organisation, as organisations/{organisation}/teams/{team}, and who is in
// them, as .../teams/{team}/members/{member}.
//
// The service owns its database, asks the organisations service over gRPC
// whether the organisations and people it is given exist, reacts to their
// deletion through the organisations event stream, and publishes its own
// changes on GOLDENTHREAD_TEAMS. The kit's resource engine carries out the
// standard methods (AIP-131 to 135, 164) of both resources, and host.Base
// assembles the service. Files keep the
// layers apart, per resource: <resource>_handler.go is the gRPC surface (a
// request turned into an engine call, with the hooks that read the
// database), <resource>_rules.go the resource's rules as pure functions,
// <resource>_domain.go its names and fields, <resource>_store.go the SQL;
// events.go the events it publishes, reactions.go the events it consumes, directory.go its calls to
// the organisations service.
package teams

import (
	"context"
	"embed"
	"log/slog"

	"google.golang.org/grpc"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// serviceName names the service in actors (system:teams), logs, its stream
// and its events' source, and its durable consumer.
const serviceName = "teams"

// Spec declares the service to the kit, which assembles it and runs its
// binary: it calls the organisations service, whose deletions it follows.
var Spec = host.Spec{Name: serviceName, Migrations: migrationFiles, Upstreams: []string{"organisations"}, Consumes: []string{"organisations"},
	Policy: policy}

// Open opens the database, brings its schema up to date and prepares the
// connection to the organisations service.
func Open(ctx context.Context, s host.Settings, logger *slog.Logger) (*host.Base, error) {
	return host.Open(ctx, Spec, s, logger, func(base *host.Base) error {
		conn := base.Conns["organisations"]
		teams := resource.Engine[*teamRecord, *pb.Team]{DB: base.DB, Service: serviceName, Field: "team", Type: teamType,
			Events: resource.EventsOf[*pb.Team](base.Emit, "team")}
		members := resource.Engine[*memberRecord, *pb.Member]{DB: base.DB, Service: serviceName, Field: "member", Type: memberType,
			Events: resource.EventsOf[*pb.Member](base.Emit, "member"), DeletedHint: "has ended; add the person again instead"}
		base.Reactions = reactions{teams: teams, members: members}.handlers()
		dir := directory{orgs: orgpb.NewOrganisationsServiceClient(conn), people: orgpb.NewPeopleServiceClient(conn)}
		base.Handlers = func(g grpc.ServiceRegistrar) {
			pb.RegisterTeamsServiceServer(resource.Standard(g, teams.Reads()), &teamsHandler{dir: dir, teams: teams})
			pb.RegisterMembersServiceServer(resource.Standard(g, members.Gets()), &membersHandler{dir: dir, members: members})
		}
		return nil
	})
}

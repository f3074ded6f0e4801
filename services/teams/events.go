package teams

import (
	"context"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Source is the CloudEvents ce-source of this service's events.
const Source = "//goldenthread/teams"

// DefaultSubjectPrefix starts every subject and, upper-cased, stream name.
const DefaultSubjectPrefix = "goldenthread"

// Stream returns the stream the service publishes to: for prefix
// "goldenthread", GOLDENTHREAD_TEAMS holding goldenthread.teams.>.
func Stream(prefix string, replicas int, maxAge time.Duration) events.StreamSpec {
	return events.ServiceStream(prefix, "teams", replicas, maxAge)
}

// emitter writes the service's events (see
// proto/goldenthread/teams/v1/events.proto) to the outbox.
type emitter struct {
	outbox *outbox.Outbox
	prefix string
}

// subject is {prefix}.teams.v1.{organisation}.{entity}.{change}: the
// organisation in it lets operators scope NATS permissions per organisation.
func (e emitter) subject(name, entity, change string) string {
	orgID, _, _ := strings.Cut(strings.TrimPrefix(name, "organisations/"), "/")
	return e.prefix + ".teams.v1." + orgID + "." + entity + "." + change
}

func (e emitter) teamCreated(ctx context.Context, tx *sqldb.Tx, t *pb.Team) error {
	return e.outbox.Add(ctx, tx, e.subject(t.Name, "team", "created"), t.Name, &pb.TeamCreated{Team: t})
}

func (e emitter) teamUpdated(ctx context.Context, tx *sqldb.Tx, t *pb.Team, paths []string) error {
	return e.outbox.Add(ctx, tx, e.subject(t.Name, "team", "updated"), t.Name,
		&pb.TeamUpdated{Team: t, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
}

func (e emitter) teamDeleted(ctx context.Context, tx *sqldb.Tx, t *pb.Team, cause string) error {
	return e.outbox.Add(ctx, tx, e.subject(t.Name, "team", "deleted"), t.Name, &pb.TeamDeleted{Team: t, Cause: cause})
}

func (e emitter) teamUndeleted(ctx context.Context, tx *sqldb.Tx, t *pb.Team, cause string) error {
	return e.outbox.Add(ctx, tx, e.subject(t.Name, "team", "undeleted"), t.Name, &pb.TeamUndeleted{Team: t, Cause: cause})
}

func (e emitter) memberAdded(ctx context.Context, tx *sqldb.Tx, m *pb.Member) error {
	return e.outbox.Add(ctx, tx, e.subject(m.Name, "member", "added"), m.Name, &pb.MemberAdded{Member: m})
}

func (e emitter) memberUpdated(ctx context.Context, tx *sqldb.Tx, m *pb.Member, paths []string) error {
	return e.outbox.Add(ctx, tx, e.subject(m.Name, "member", "updated"), m.Name,
		&pb.MemberUpdated{Member: m, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
}

func (e emitter) memberRemoved(ctx context.Context, tx *sqldb.Tx, m *pb.Member, cause string) error {
	return e.outbox.Add(ctx, tx, e.subject(m.Name, "member", "removed"), m.Name, &pb.MemberRemoved{Member: m, Cause: cause})
}

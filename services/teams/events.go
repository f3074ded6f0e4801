package teams

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// emitter writes the service's events (see
// proto/goldenthread/teams/v1/events.proto) to the outbox, in the change's
// transaction: add is host.Base.Emit.
type emitter struct {
	add func(ctx context.Context, tx *sqldb.Tx, name, entity, change string, payload proto.Message) error
}

// teamEvents are a team's change events. As resource.Events they are the
// events of the changes callers make; setDeleted also writes those of the
// changes the service makes in reaction to an organisation's.
type teamEvents struct{ emitter }

// Created implements resource.Events.
func (e teamEvents) Created(ctx context.Context, tx *sqldb.Tx, t *pb.Team) error {
	return e.add(ctx, tx, t.Name, "team", "created", &pb.TeamCreated{Team: t})
}

// Updated implements resource.Events: an update that set the fields in
// paths.
func (e teamEvents) Updated(ctx context.Context, tx *sqldb.Tx, t *pb.Team, paths []string) error {
	return e.add(ctx, tx, t.Name, "team", "updated", &pb.TeamUpdated{Team: t, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
}

// Deleted implements resource.Events; cause names the resource whose
// change made it (the organisation), "" for a caller's own.
func (e teamEvents) Deleted(ctx context.Context, tx *sqldb.Tx, t *pb.Team, cause string) error {
	return e.add(ctx, tx, t.Name, "team", "deleted", &pb.TeamDeleted{Team: t, Cause: cause})
}

// Undeleted implements resource.Events, as Deleted.
func (e teamEvents) Undeleted(ctx context.Context, tx *sqldb.Tx, t *pb.Team, cause string) error {
	return e.add(ctx, tx, t.Name, "team", "undeleted", &pb.TeamUndeleted{Team: t, Cause: cause})
}

// memberEvents are a membership's change events: added, updated and
// removed (a membership ends; it is never restored).
type memberEvents struct{ emitter }

// Created implements resource.Events: the person was added to the team.
func (e memberEvents) Created(ctx context.Context, tx *sqldb.Tx, m *pb.Member) error {
	return e.add(ctx, tx, m.Name, "member", "added", &pb.MemberAdded{Member: m})
}

// Updated implements resource.Events: an update that set the fields in
// paths.
func (e memberEvents) Updated(ctx context.Context, tx *sqldb.Tx, m *pb.Member, paths []string) error {
	return e.add(ctx, tx, m.Name, "member", "updated", &pb.MemberUpdated{Member: m, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
}

// Deleted implements resource.Events: the membership ended; cause names
// the resource whose change ended it (the person), "" for a caller's own.
func (e memberEvents) Deleted(ctx context.Context, tx *sqldb.Tx, m *pb.Member, cause string) error {
	return e.add(ctx, tx, m.Name, "member", "removed", &pb.MemberRemoved{Member: m, Cause: cause})
}

// Undeleted implements resource.Events. MembersService has no
// UndeleteMember, so no change gets here: an ended membership stays ended.
func (e memberEvents) Undeleted(_ context.Context, _ *sqldb.Tx, m *pb.Member, _ string) error {
	return fmt.Errorf("%s: a membership that has ended is not restored", m.Name)
}


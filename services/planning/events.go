package planning

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// emitter writes the service's events (proto/goldenthread/planning/v1/
// events.proto) to the outbox, in the change's transaction: emit is
// host.Base.Emit.
type emitter struct {
	emit func(ctx context.Context, tx *sqldb.Tx, name, entity, change string, payload proto.Message) error
}

func (e emitter) add(ctx context.Context, tx *sqldb.Tx, el *pb.Element, change string, payload proto.Message) error {
	return e.emit(ctx, tx, el.Name, "element", change, payload)
}

// emitter is the elements' resource.Events.
var _ resource.Events[*pb.Element] = emitter{}

// Created implements resource.Events.
func (e emitter) Created(ctx context.Context, tx *sqldb.Tx, el *pb.Element) error {
	return e.add(ctx, tx, el, "created", &pb.ElementCreated{Element: el})
}

// Updated implements resource.Events: an update that set the fields in
// paths.
func (e emitter) Updated(ctx context.Context, tx *sqldb.Tx, el *pb.Element, paths []string) error {
	return e.add(ctx, tx, el, "updated", &pb.ElementUpdated{Element: el, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
}

// Deleted implements resource.Events: an element deleted, by a caller
// (cause "") or with what cause names (the element whose forced deletion
// took its subtree, the organisation).
func (e emitter) Deleted(ctx context.Context, tx *sqldb.Tx, el *pb.Element, cause string) error {
	return e.add(ctx, tx, el, "deleted", &pb.ElementDeleted{Element: el, Cause: cause})
}

// Undeleted implements resource.Events, as Deleted.
func (e emitter) Undeleted(ctx context.Context, tx *sqldb.Tx, el *pb.Element, cause string) error {
	return e.add(ctx, tx, el, "undeleted", &pb.ElementUndeleted{Element: el, Cause: cause})
}

// undeleted is the event of an element restored with cause, as deleted's.
func (e emitter) undeleted(ctx context.Context, tx *sqldb.Tx, el *pb.Element, cause string) error {
	return e.add(ctx, tx, el, "undeleted", &pb.ElementUndeleted{Element: el, Cause: cause})
}

func (e emitter) healthChanged(ctx context.Context, tx *sqldb.Tx, el *pb.Element, oldHealth pb.Health, oldProgress int32, cause string) error {
	return e.add(ctx, tx, el, "health_changed",
		&pb.ElementHealthChanged{Element: el, OldHealth: oldHealth, OldProgress: oldProgress, Cause: cause})
}

package planning

import (
	"context"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// emitter writes the service's events (proto/goldenthread/planning/v1/
// events.proto) to the outbox, in the change's transaction: an element's
// standard changes (resource.Events, whose cause names what took an
// element along: the element whose forced deletion took its subtree, the
// organisation) and its roll-up's.
type emitter struct {
	resource.Events[*pb.Element]
	emit resource.Emit
	// wake tells drainOnce a roll-up of another organisation is pending.
	wake func()
}

func newEmitter(emit resource.Emit, wake func()) emitter {
	return emitter{Events: resource.EventsOf[*pb.Element](emit, "element"), emit: emit, wake: wake}
}

func (e emitter) healthChanged(ctx context.Context, tx *sqldb.Tx, el *pb.Element, oldHealth pb.Health, oldProgress int32, cause string) error {
	return e.emit(ctx, tx, el.Name, "element", "health_changed",
		&pb.ElementHealthChanged{Element: el, OldHealth: oldHealth, OldProgress: oldProgress, Cause: cause})
}

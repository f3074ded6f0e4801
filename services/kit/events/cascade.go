package events

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Cascade is how a service follows another service's resource being
// deleted and restored (an organisation): it deletes, or restores, what it
// holds of that resource. Every service's cascade decodes the same events,
// parses the same name and must skip the same stale changes; Handlers does
// that once, and Apply is the service's own part.
type Cascade struct {
	// Deleted and Undeleted are the events' messages, each holding the
	// resource in field 1, a message with name and update_time fields.
	Deleted, Undeleted proto.Message
	// Collections parse the resource's name into ids ("organisations").
	Collections []string
	// Lock, when set, is taken before the change is compared with the last
	// one applied: the service's own lock on what Apply changes.
	Lock func(ctx context.Context, tx *sqldb.Tx, ids []string) error
	// Apply deletes (or restores) what the service holds of the resource
	// with ids, whose name is the cause of the changes it makes.
	Apply func(ctx context.Context, tx *sqldb.Tx, ids []string, cause string, deleted bool) error
}

// Handlers run Apply, in the consumer's transaction, for each deletion and
// undeletion newer than the last one applied to the same resource: events
// of one resource may arrive out of order (after a redelivery), and an
// older one must not undo a newer one.
func (c Cascade) Handlers() Handlers {
	deletedType := string(proto.MessageName(c.Deleted))
	handle := func(ctx context.Context, tx *sqldb.Tx, e Event) error {
		m := c.Deleted.ProtoReflect().New() // Undeleted has the same shape
		if err := proto.Unmarshal(e.Data, m.Interface()); err != nil {
			return Permanent(fmt.Errorf("decode %s: %w", e.Type, err))
		}
		res := m.Get(m.Descriptor().Fields().ByNumber(1)).Message()
		fields := res.Descriptor().Fields()
		name := res.Get(fields.ByName("name")).String()
		updated, _ := res.Get(fields.ByName("update_time")).Message().Interface().(*timestamppb.Timestamp)
		ids, err := resourcename.Parse(name, c.Collections...)
		if err != nil {
			return Permanent(fmt.Errorf("%s: %w", e.Type, err))
		}
		if c.Lock != nil {
			if err := c.Lock(ctx, tx, ids); err != nil {
				return err
			}
		}
		newest, err := Newer(ctx, tx, name, updated.AsTime().UnixMicro())
		if err != nil || !newest {
			return err
		}
		return c.Apply(ctx, tx, ids, name, e.Type == deletedType)
	}
	return Handlers{deletedType: handle, string(proto.MessageName(c.Undeleted)): handle}
}

package resource

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Emit writes the event of a change to the resource called name to the
// outbox, in the change's transaction (host.Base.Emit).
type Emit func(ctx context.Context, tx *sqldb.Tx, name, entity, change string, payload proto.Message) error

// changeNames are, for each standard change, the names its event message
// may end in after the resource's, first found first: a membership is
// added and removed, an API token revoked, a check-in posted.
var changeNames = map[string][]string{
	"created":   {"Created", "Added", "Posted"},
	"updated":   {"Updated"},
	"deleted":   {"Deleted", "Removed", "Revoked"},
	"undeleted": {"Undeleted"},
}

// EventsOf returns the Events of resource M, which subjects call entity
// ("team", "api_token"), written with the event messages its API declares
// beside it (events.proto): TeamCreated, TeamUpdated, TeamDeleted and
// TeamUndeleted for a Team (see changeNames). Each holds the resource in
// field 1, an update its update_mask and a cascade its cause, where the
// message has those fields; the subject's change is the message's name
// after the resource's, lower-cased ("removed"). A change without a
// message is one the resource does not have (a membership is never
// restored), and an error.
func EventsOf[M Message](emit Emit, entity string) Events[M] {
	var zero M
	resource := zero.ProtoReflect().Descriptor()
	e := changeEvents[M]{emit: emit, entity: entity, kinds: map[string]protoreflect.MessageType{}}
	for change, suffixes := range changeNames {
		for _, suffix := range suffixes {
			name := resource.ParentFile().Package().Append(protoreflect.Name(string(resource.Name()) + suffix))
			if t, err := protoregistry.GlobalTypes.FindMessageByName(name); err == nil {
				e.kinds[change] = t
				break
			}
		}
	}
	return e
}

type changeEvents[M Message] struct {
	emit   Emit
	entity string
	// kinds are the event messages by change.
	kinds map[string]protoreflect.MessageType
}

// Created implements Events.
func (c changeEvents[M]) Created(ctx context.Context, tx *sqldb.Tx, m M) error {
	return c.write(ctx, tx, "created", m, nil, "")
}

// Updated implements Events.
func (c changeEvents[M]) Updated(ctx context.Context, tx *sqldb.Tx, m M, paths []string) error {
	return c.write(ctx, tx, "updated", m, paths, "")
}

// Deleted implements Events.
func (c changeEvents[M]) Deleted(ctx context.Context, tx *sqldb.Tx, m M, cause string) error {
	return c.write(ctx, tx, "deleted", m, nil, cause)
}

// Undeleted implements Events.
func (c changeEvents[M]) Undeleted(ctx context.Context, tx *sqldb.Tx, m M, cause string) error {
	return c.write(ctx, tx, "undeleted", m, nil, cause)
}

// write fills the event message of change with m, paths and cause and
// writes it.
func (c changeEvents[M]) write(ctx context.Context, tx *sqldb.Tx, change string, m M, paths []string, cause string) error {
	kind := c.kinds[change]
	if kind == nil {
		return fmt.Errorf("%s: a %s is never %s", m.GetName(), c.entity, change)
	}
	ev := kind.New()
	fields := ev.Descriptor().Fields()
	ev.Set(fields.ByNumber(1), protoreflect.ValueOfMessage(m.ProtoReflect()))
	if fd := fields.ByName("update_mask"); fd != nil && paths != nil {
		ev.Set(fd, protoreflect.ValueOfMessage((&fieldmaskpb.FieldMask{Paths: paths}).ProtoReflect()))
	}
	if fd := fields.ByName("cause"); fd != nil && cause != "" {
		ev.Set(fd, protoreflect.ValueOfString(cause))
	}
	subject := string(ev.Descriptor().Name()[len(m.ProtoReflect().Descriptor().Name()):])
	return c.emit(ctx, tx, m.GetName(), c.entity, strings.ToLower(subject), ev.Interface())
}

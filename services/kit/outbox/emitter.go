package outbox

import (
	"context"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Emitter writes one service's change events to its outbox.
type Emitter struct {
	Outbox *Outbox
	// Prefix and Service start the subjects (events.Subject).
	Prefix, Service string
}

// Emit records, in tx, the event of a change to the resource called name,
// an entity ("team") of the organisation its name starts with: on the
// subject {prefix}.{service}.v1.{org}.{entity}.{change} (events.Subject),
// whose organisation lets NATS permissions and subscriptions be scoped to
// one; "-" for a resource of no organisation (a platform token).
func (e Emitter) Emit(ctx context.Context, tx *sqldb.Tx, name, entity, change string, payload proto.Message) error {
	org := "-"
	if rest, ok := strings.CutPrefix(name, "organisations/"); ok {
		org, _, _ = strings.Cut(rest, "/")
	}
	subject := events.Subject{Prefix: e.Prefix, Service: e.Service, Version: events.Version, Org: org, Resource: entity, Change: change}
	return e.Outbox.Add(ctx, tx, subject.String(), name, payload)
}

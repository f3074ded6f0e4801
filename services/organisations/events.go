package organisations

import (
	"context"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// changeEvents writes one resource's change events (see
// proto/goldenthread/organisations/v1/events.proto) to the outbox, in the
// change's transaction.
type changeEvents[M resource.Message] struct {
	// emit is host.Base.Emit; entity is the resource's kind in subjects
	// ("person").
	emit     func(ctx context.Context, tx *sqldb.Tx, name, entity, change string, payload proto.Message) error
	entity   string
	payloads payloads[M]
}

func (e changeEvents[M]) add(ctx context.Context, tx *sqldb.Tx, m M, change string, payload proto.Message) error {
	return e.emit(ctx, tx, m.GetName(), e.entity, change, payload)
}

// payloads wrap a resource in the event message of each kind of change.
type payloads[M resource.Message] struct {
	created, deleted, undeleted func(M) proto.Message
	updated                     func(M, *fieldmaskpb.FieldMask) proto.Message
}

var organisationPayloads = payloads[*pb.Organisation]{
	created: func(o *pb.Organisation) proto.Message { return &pb.OrganisationCreated{Organisation: o} },
	updated: func(o *pb.Organisation, m *fieldmaskpb.FieldMask) proto.Message {
		return &pb.OrganisationUpdated{Organisation: o, UpdateMask: m}
	},
	deleted:   func(o *pb.Organisation) proto.Message { return &pb.OrganisationDeleted{Organisation: o} },
	undeleted: func(o *pb.Organisation) proto.Message { return &pb.OrganisationUndeleted{Organisation: o} },
}

var personPayloads = payloads[*pb.Person]{
	created: func(p *pb.Person) proto.Message { return &pb.PersonCreated{Person: p} },
	updated: func(p *pb.Person, m *fieldmaskpb.FieldMask) proto.Message {
		return &pb.PersonUpdated{Person: p, UpdateMask: m}
	},
	deleted:   func(p *pb.Person) proto.Message { return &pb.PersonDeleted{Person: p} },
	undeleted: func(p *pb.Person) proto.Message { return &pb.PersonUndeleted{Person: p} },
}

// tokenPayloads: tokens are only ever created and revoked (deleted).
var tokenPayloads = payloads[*pb.ApiToken]{
	created: func(t *pb.ApiToken) proto.Message { return &pb.ApiTokenCreated{ApiToken: t} },
	deleted: func(t *pb.ApiToken) proto.Message { return &pb.ApiTokenRevoked{ApiToken: t} },
}

// Created implements resource.Events.
func (e changeEvents[M]) Created(ctx context.Context, tx *sqldb.Tx, m M) error {
	return e.add(ctx, tx, m, "created", e.payloads.created(m))
}

// Updated implements resource.Events: an update that set the fields in
// paths.
func (e changeEvents[M]) Updated(ctx context.Context, tx *sqldb.Tx, m M, paths []string) error {
	return e.add(ctx, tx, m, "updated", e.payloads.updated(m, &fieldmaskpb.FieldMask{Paths: paths}))
}

// Deleted implements resource.Events. The organisations service reacts to
// no other's changes, so there is never a cause.
func (e changeEvents[M]) Deleted(ctx context.Context, tx *sqldb.Tx, m M, _ string) error {
	return e.add(ctx, tx, m, "deleted", e.payloads.deleted(m))
}

// Undeleted implements resource.Events.
func (e changeEvents[M]) Undeleted(ctx context.Context, tx *sqldb.Tx, m M, _ string) error {
	return e.add(ctx, tx, m, "undeleted", e.payloads.undeleted(m))
}

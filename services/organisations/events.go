package organisations

import (
	"context"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Source is the CloudEvents ce-source of this service's events.
const Source = "//goldenthread/organisations"

// DefaultSubjectPrefix starts every subject and, upper-cased, stream name.
const DefaultSubjectPrefix = "goldenthread"

// Stream returns the stream the service publishes to: for prefix
// "goldenthread", GOLDENTHREAD_ORGANISATIONS holding goldenthread.organisations.>.
func Stream(prefix string, replicas int) events.StreamSpec {
	return events.StreamSpec{
		Name:     strings.ToUpper(prefix) + "_ORGANISATIONS",
		Subjects: []string{prefix + ".organisations.>"},
		Replicas: replicas,
	}
}

// Subjects are the NATS subjects of the service's events (see
// proto/goldenthread/organisations/v1/events.proto), all on one stream.
type Subjects struct {
	// Organisation is organisations/{organisation}'s subjects.
	Organisation ChangeSubjects
	// Person is organisations/{organisation}/people/{person}'s subjects.
	Person ChangeSubjects
}

// ChangeSubjects are the subjects of one resource's changes, each carrying
// the event message of the same name (PersonDeleted on Person.Deleted).
type ChangeSubjects struct {
	Created, Updated, Deleted, Undeleted string
}

// NewSubjects returns the subjects under prefix, e.g.
// goldenthread.organisations.v1.person.created.
func NewSubjects(prefix string) Subjects {
	return Subjects{Organisation: changeSubjects(prefix, "organisation"), Person: changeSubjects(prefix, "person")}
}

func changeSubjects(prefix, resource string) ChangeSubjects {
	base := prefix + ".organisations.v1." + resource + "."
	return ChangeSubjects{Created: base + "created", Updated: base + "updated", Deleted: base + "deleted", Undeleted: base + "undeleted"}
}

// named is an API resource: its name is the events' ce-subject.
type named interface {
	proto.Message
	GetName() string
}

// changeEvents writes one resource's change events to the outbox, in the
// change's transaction.
type changeEvents[M named] struct {
	outbox   *outbox.Outbox
	subjects ChangeSubjects
	payloads payloads[M]
}

// payloads wrap a resource in the event message of each kind of change.
type payloads[M named] struct {
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

func (e changeEvents[M]) created(ctx context.Context, tx *sqldb.Tx, m M) error {
	return e.outbox.Add(ctx, tx, e.subjects.Created, m.GetName(), e.payloads.created(m))
}

// updated records an update that set the fields in paths.
func (e changeEvents[M]) updated(ctx context.Context, tx *sqldb.Tx, m M, paths []string) error {
	return e.outbox.Add(ctx, tx, e.subjects.Updated, m.GetName(), e.payloads.updated(m, &fieldmaskpb.FieldMask{Paths: paths}))
}

func (e changeEvents[M]) deleted(ctx context.Context, tx *sqldb.Tx, m M) error {
	return e.outbox.Add(ctx, tx, e.subjects.Deleted, m.GetName(), e.payloads.deleted(m))
}

func (e changeEvents[M]) undeleted(ctx context.Context, tx *sqldb.Tx, m M) error {
	return e.outbox.Add(ctx, tx, e.subjects.Undeleted, m.GetName(), e.payloads.undeleted(m))
}

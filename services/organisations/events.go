package organisations

import (
	"context"
	"strings"

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
// proto/goldenthread/organisations/v1/events.proto).
type Subjects struct {
	Created, Updated, Deleted, Undeleted string
}

// NewSubjects returns the subjects under prefix.
func NewSubjects(prefix string) Subjects {
	base := prefix + ".organisations.v1.organisation."
	return Subjects{Created: base + "created", Updated: base + "updated", Deleted: base + "deleted", Undeleted: base + "undeleted"}
}

// emitter writes the service's events to the outbox.
type emitter struct {
	outbox   *outbox.Outbox
	subjects Subjects
}

func (e emitter) created(ctx context.Context, tx *sqldb.Tx, org *pb.Organisation) error {
	return e.outbox.Add(ctx, tx, e.subjects.Created, org.Name, &pb.OrganisationCreated{Organisation: org})
}

func (e emitter) updated(ctx context.Context, tx *sqldb.Tx, org *pb.Organisation, paths []string) error {
	return e.outbox.Add(ctx, tx, e.subjects.Updated, org.Name,
		&pb.OrganisationUpdated{Organisation: org, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
}

func (e emitter) deleted(ctx context.Context, tx *sqldb.Tx, org *pb.Organisation) error {
	return e.outbox.Add(ctx, tx, e.subjects.Deleted, org.Name, &pb.OrganisationDeleted{Organisation: org})
}

func (e emitter) undeleted(ctx context.Context, tx *sqldb.Tx, org *pb.Organisation) error {
	return e.outbox.Add(ctx, tx, e.subjects.Undeleted, org.Name, &pb.OrganisationUndeleted{Organisation: org})
}

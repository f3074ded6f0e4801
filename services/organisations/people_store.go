package organisations

import (
	"context"
	"fmt"
	"slices"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// personRecord is a person as stored: the API resource, its ids and its
// revision.
type personRecord struct {
	resource.Stored[*pb.Person]
	orgID, id string
}

// peopleTable holds every organisation's people, keyed by (organisation_id,
// id). email_lower, kept beside email, is what the unique index on live
// people's addresses and the email filter and order compare.
var peopleTable = resource.Table[*personRecord]{
	Name: "people",
	Columns: "organisation_id, id, display_name, email, job_title, external_subject, create_time, update_time, delete_time, revision, " +
		"update_actor, role",
	Key:     2,
	Derived: "email_lower",
	Scan:    scanPerson,
	Values:  personValues,
}

// personListSchema says what ListPeople may filter and sort on.
var personListSchema = resource.Schema[*personRecord, *pb.Person]("display_name", []listing.Field[*personRecord]{
	{Name: "display_name", Column: "display_name", Kind: listing.String, Filter: true, Sort: true,
		Key: func(r *personRecord) any { return r.Msg.DisplayName }},
	{Name: "email", Column: "email_lower", Kind: listing.String, Filter: true, Sort: true,
		Key: func(r *personRecord) any { return emailKey(r.Msg.Email) }},
})

// personOwnerListSchema is personListSchema without the contact details,
// for callers reading through an owner (seenBy), who may neither see
// people's email nor find it out by filtering or sorting on it.
var personOwnerListSchema = func() *listing.Schema[*personRecord] {
	s := *personListSchema
	s.Fields = slices.DeleteFunc(slices.Clone(s.Fields), func(f listing.Field[*personRecord]) bool { return f.Name == "email" })
	return &s
}()

// liveHolders returns which other live people of r's organisation hold r's
// email (ignoring case) or external subject.
func liveHolders(ctx context.Context, q sqldb.Querier, r *personRecord) (holders, error) {
	var h holders
	email := emailKey(r.Msg.Email)
	rows, err := q.QueryContext(ctx, `SELECT id, email_lower, external_subject FROM people
		WHERE organisation_id = ? AND id <> ? AND delete_time IS NULL
		AND (email_lower = ? OR (external_subject <> '' AND external_subject = ?))`,
		r.orgID, r.id, email, r.Msg.ExternalSubject)
	if err != nil {
		return h, fmt.Errorf("look up people's unique values: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, otherEmail, otherSubject string
		if err := rows.Scan(&id, &otherEmail, &otherSubject); err != nil {
			return h, fmt.Errorf("look up people's unique values: %w", err)
		}
		if otherEmail == email {
			h.email = id
		}
		if otherSubject == r.Msg.ExternalSubject {
			h.externalSubject = id
		}
	}
	if err := rows.Err(); err != nil {
		return h, fmt.Errorf("look up people's unique values: %w", err)
	}
	return h, nil
}

// personValues are a person's columns in peopleTable's order, then the
// email as uniqueness compares it.
func personValues(r *personRecord) ([]any, error) {
	return []any{r.orgID, r.id, r.Msg.DisplayName, r.Msg.Email, r.Msg.JobTitle, r.Msg.ExternalSubject,
		resource.Micros(r.Msg.CreateTime), resource.Micros(r.Msg.UpdateTime), resource.NullMicros(r.Msg.DeleteTime), r.Rev,
		r.Msg.UpdateActor, int32(r.Msg.Role), emailKey(r.Msg.Email)}, nil
}

func scanPerson(s resource.Scanner) (*personRecord, error) {
	var (
		r      = &personRecord{Stored: resource.Hold(&pb.Person{})}
		stamps resource.Stamps
		role   int32
	)
	err := s.Scan(&r.orgID, &r.id, &r.Msg.DisplayName, &r.Msg.Email, &r.Msg.JobTitle, &r.Msg.ExternalSubject,
		&stamps.Create, &stamps.Update, &stamps.Delete, &r.Rev, &r.Msg.UpdateActor, &role)
	if err != nil {
		return nil, err
	}
	r.Msg.Name = resource.NameOf[*pb.Person](r.orgID, r.id)
	r.Msg.Role = identitypb.Role(role)
	r.Msg.CreateTime, r.Msg.UpdateTime, r.Msg.DeleteTime = stamps.Times()
	r.Msg.Etag = resource.Etag(r.Rev)
	return r, nil
}

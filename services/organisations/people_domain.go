package organisations

import (
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// personType is the person as the resource engine finds and stores it.
// UpdatePerson may change the fields of Updatable, in API order;
// CreatePerson takes the same fields from its request.
var personType = resource.Type[*personRecord]{
	Table: peopleTable,
	List:  personListSchema,
}

// emailKey is the form of an email address that uniqueness compares: the
// proto's rules admit ASCII addresses only, so lower-casing here and in SQL
// agree.
func emailKey(email string) string { return strings.ToLower(email) }

// holders are the ids of the other live people of an organisation who
// already have a person's unique values; empty where none does.
type holders struct {
	email, externalSubject string
}

// unique fails with ALREADY_EXISTS when another live person of organisation
// orgID holds a value that must be unique among them, naming the field.
func (h holders) unique(orgID string) error {
	switch {
	case h.email != "":
		return taken("person.email", resource.NameOf[*pb.Person](orgID, h.email),
			"another live person of the organisation has this email address (compared ignoring case)")
	case h.externalSubject != "":
		return taken("person.external_subject", resource.NameOf[*pb.Person](orgID, h.externalSubject),
			"another live person of the organisation has this external subject")
	}
	return nil
}

// taken reports that field's value belongs to the resource holder. Unlike
// apierr.AlreadyExists, whose subject is the resource asked for, it names
// the field, so that a client can point at what to change.
func taken(field, holder, description string) error {
	st := status.New(codes.AlreadyExists, field+": "+description+": "+holder)
	withDetails, err := st.WithDetails(
		&errdetails.ErrorInfo{Reason: apierr.ReasonAlreadyExists, Domain: apierr.Domain,
			Metadata: map[string]string{"field": field, "name": holder}},
		&errdetails.ResourceInfo{ResourceName: holder, Description: field + " " + description})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// seenBy returns p as caller may see it: a caller who reads p's
// organisation only through an owner sees a person's name and job title,
// not how to reach them or sign in as them.
func seenBy(caller *auth.Principal, p *pb.Person) *pb.Person {
	ids, err := personType.Parse("name", p.Name)
	if caller == nil || err != nil || !caller.ThroughOwner(ids[0]) {
		return p
	}
	p.Email, p.ExternalSubject = "", ""
	return p
}

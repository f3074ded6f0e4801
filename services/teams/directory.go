package teams

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
)

// directory asks the organisations service, over gRPC, about the
// organisations and people that teams and memberships refer to.
type directory struct {
	orgs   orgpb.OrganisationsServiceClient
	people orgpb.PeopleServiceClient
}

// requireLiveOrganisation fails unless the organisation exists and is not
// deleted: NOT_FOUND, FAILED_PRECONDITION, or UNAVAILABLE when the
// organisations service cannot be asked.
func (d directory) requireLiveOrganisation(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	org, err := d.orgs.GetOrganisation(ctx, &orgpb.GetOrganisationRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return apierr.NotFound(name)
	}
	if err != nil {
		return lookup.Failed("the organisations service", name, err)
	}
	if org.DeleteTime != nil {
		return apierr.FailedPrecondition(name, "is deleted")
	}
	return nil
}

// requireLivePerson fails unless the person exists and is not deleted; the
// errors name field.
func (d directory) requireLivePerson(ctx context.Context, field, name string) error {
	return lookup.RequireLive(ctx, "the organisations service", field, "person", name, func(ctx context.Context) (*orgpb.Person, error) {
		return d.people.GetPerson(ctx, &orgpb.GetPersonRequest{Name: name})
	})
}

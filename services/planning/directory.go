package planning

import (
	"context"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
)

// organisations asks the organisations service, as the caller, about the
// organisations a plan's links reach.
type organisations struct {
	orgs   orgpb.OrganisationsServiceClient
	people orgpb.PeopleServiceClient
}

// Owners implements ownerDirectory.
func (o organisations) Owners(ctx context.Context, orgID string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	name := "organisations/" + orgID
	org, err := o.orgs.GetOrganisation(ctx, &orgpb.GetOrganisationRequest{Name: name})
	if err != nil {
		return nil, lookup.Failed("the organisations service", name, err)
	}
	return org.Owners, nil
}

// RequirePerson implements peopleDirectory.
func (o organisations) RequirePerson(ctx context.Context, field, name string) error {
	return lookup.RequireLive(ctx, "the organisations service", field, "person", name, func(ctx context.Context) (*orgpb.Person, error) {
		return o.people.GetPerson(ctx, &orgpb.GetPersonRequest{Name: name})
	})
}

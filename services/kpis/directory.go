package kpis

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// lookupTimeout bounds each question to another service.
const lookupTimeout = 5 * time.Second

// directory asks the planning and teams services, over gRPC and as the
// caller, about the elements and teams KPIs name.
type directory struct {
	elements planningpb.ElementsServiceClient
	teams    teamspb.TeamsServiceClient
	members  teamspb.MembersServiceClient
}

// requireLiveElement fails unless the element exists and is live.
func (d directory) requireLiveElement(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	e, err := d.elements.GetElement(ctx, &planningpb.GetElementRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return apierr.InvalidArgument("kpi.element", "no such element: "+name)
	}
	if err != nil {
		return lookupFailed("the planning service", name, err)
	}
	if e.DeleteTime != nil {
		return apierr.FailedPrecondition("kpi.element", name+" is deleted")
	}
	return nil
}

// requireLiveTeam fails unless the owner team exists and is live.
func (d directory) requireLiveTeam(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	t, err := d.teams.GetTeam(ctx, &teamspb.GetTeamRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return apierr.InvalidArgument("kpi.owner_team", "no such team: "+name)
	}
	if err != nil {
		return lookupFailed("the teams service", name, err)
	}
	if t.DeleteTime != nil {
		return apierr.FailedPrecondition("kpi.owner_team", name+" is deleted")
	}
	return nil
}

// isMember reports whether person is a live member of team.
func (d directory) isMember(ctx context.Context, team, person string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	resp, err := d.members.ListMembers(ctx, &teamspb.ListMembersRequest{Parent: team, PageSize: 1,
		Filter: fmt.Sprintf("person = %q", person)})
	if status.Code(err) == codes.NotFound {
		return false, nil
	}
	if err != nil {
		return false, lookupFailed("the teams service", team, err)
	}
	return len(resp.Members) > 0, nil
}

func lookupFailed(service, name string, err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return apierr.Unavailable(service + ", needed to check " + name + ",")
	}
	return fmt.Errorf("look up %s: %w", name, err)
}

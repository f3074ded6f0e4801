package planning

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// lookupTimeout bounds each question to the teams service.
const lookupTimeout = 5 * time.Second

// directory asks the teams service, over gRPC and as the caller, about the
// teams elements name.
type directory struct {
	teams   teamspb.TeamsServiceClient
	members teamspb.MembersServiceClient
}

// requireLiveTeam fails unless the owner team exists and is live.
func (d directory) requireLiveTeam(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	t, err := d.teams.GetTeam(ctx, &teamspb.GetTeamRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return apierr.InvalidArgument("element.owner_team", "no such team: "+name)
	}
	if err != nil {
		return lookupFailed(name, err)
	}
	if t.DeleteTime != nil {
		return apierr.FailedPrecondition("element.owner_team", name+" is deleted")
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
		return false, lookupFailed(team, err)
	}
	return len(resp.Members) > 0, nil
}

func lookupFailed(name string, err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return apierr.Unavailable("the teams service, needed to check " + name + ",")
	}
	return fmt.Errorf("look up %s: %w", name, err)
}

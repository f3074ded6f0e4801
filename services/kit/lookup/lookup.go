// Package lookup asks other services, over gRPC and as the caller, about
// the resources a request names: whether they exist and are live.
package lookup

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// Timeout bounds each question to another service.
const Timeout = 5 * time.Second

// Failed is the error of a lookup of name that service could not answer:
// UNAVAILABLE when the service is down or slow, so that the caller may
// retry; otherwise err with context.
func Failed(service, name string, err error) error {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return apierr.Unavailable(service + ", needed to check " + name + ",")
	}
	return fmt.Errorf("look up %s: %w", name, err)
}

// Teams asks the teams service about teams and their members.
type Teams struct {
	Teams   teamspb.TeamsServiceClient
	Members teamspb.MembersServiceClient
}

// RequireLiveTeam fails unless the team exists and is live; its errors name
// field, the request field that holds the team's name.
func (t Teams) RequireLiveTeam(ctx context.Context, field, name string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	team, err := t.Teams.GetTeam(ctx, &teamspb.GetTeamRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return apierr.InvalidArgument(field, "no such team: "+name)
	}
	if err != nil {
		return Failed("the teams service", name, err)
	}
	if team.DeleteTime != nil {
		return apierr.FailedPrecondition(field, name+" is deleted")
	}
	return nil
}

// IsMember reports whether person is a member of team today: a live
// membership whose term (start_date to end_date, in UTC) holds today.
func (t Teams) IsMember(ctx context.Context, team, person string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	// A person has at most one live membership of a team.
	resp, err := t.Members.ListMembers(ctx, &teamspb.ListMembersRequest{Parent: team, PageSize: 1,
		Filter: fmt.Sprintf("person = %q", person)})
	if status.Code(err) == codes.NotFound {
		return false, nil
	}
	if err != nil {
		return false, Failed("the teams service", team, err)
	}
	return len(resp.Members) > 0 && inTerm(resp.Members[0], time.Now().UTC()), nil
}

// inTerm reports whether a membership counts on the day of now.
func inTerm(m *teamspb.Member, now time.Time) bool {
	day := func(d *date.Date) time.Time {
		return time.Date(int(d.GetYear()), time.Month(d.GetMonth()), int(d.GetDay()), 0, 0, 0, 0, time.UTC)
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if m.StartDate != nil && day(m.StartDate).After(today) {
		return false
	}
	return m.EndDate == nil || !day(m.EndDate).Before(today)
}

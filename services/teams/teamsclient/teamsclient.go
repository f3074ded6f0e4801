// Package teamsclient is how other services ask the teams service about
// the teams and members a request names: the planning service checks owner
// teams and a contributor's memberships with it, the KPI service too.
package teamsclient

import (
	"context"
	"fmt"
	"path"
	"slices"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
)

// Client asks the teams service, as the caller, about teams and their
// members.
type Client struct {
	teams   teamspb.TeamsServiceClient
	members teamspb.MembersServiceClient
}

// New returns a Client over a connection to the teams service.
func New(conn grpc.ClientConnInterface) Client {
	return Client{teams: teamspb.NewTeamsServiceClient(conn), members: teamspb.NewMembersServiceClient(conn)}
}

// RequireLiveTeam fails unless the team exists and is live; its errors name
// field, the request field that holds the team's name.
func (t Client) RequireLiveTeam(ctx context.Context, field, name string) error {
	return lookup.RequireLive(ctx, "the teams service", field, "team", name, func(ctx context.Context) (*teamspb.Team, error) {
		return t.teams.GetTeam(ctx, &teamspb.GetTeamRequest{Name: name})
	})
}

// IsMember reports whether person is a member of team today: a live
// membership whose term (start_date to end_date, in UTC) holds today.
func (t Client) IsMember(ctx context.Context, team, person string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	// A person has at most one live membership of a team.
	resp, err := t.members.ListMembers(ctx, &teamspb.ListMembersRequest{Parent: team, PageSize: 1,
		Filter: fmt.Sprintf("person = %q", person)})
	if status.Code(err) == codes.NotFound {
		return false, nil
	}
	if err != nil {
		return false, lookup.Failed("the teams service", team, err)
	}
	return len(resp.Members) > 0 && inTerm(resp.Members[0], time.Now().UTC()), nil
}

// MemberOf returns the teams person (a person's name) is a member of
// today in organisation orgID, in any role: a live membership in its term.
func (t Client) MemberOf(ctx context.Context, orgID, person string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	return t.teamsInTerm(ctx, orgID, fmt.Sprintf("person = %q", person))
}

// teamsInTerm returns the teams of orgID's memberships that filter selects
// and whose term holds today.
func (t Client) teamsInTerm(ctx context.Context, orgID, filter string) ([]string, error) {
	parent := "organisations/" + orgID + "/teams/-"
	members, err := lookup.All("the teams service", parent, func(token string) ([]*teamspb.Member, string, error) {
		resp, err := t.members.ListMembers(ctx, &teamspb.ListMembersRequest{Parent: parent, PageSize: 1000, PageToken: token, Filter: filter})
		return resp.GetMembers(), resp.GetNextPageToken(), err
	})
	var teams []string
	for _, m := range members {
		if inTerm(m, time.Now().UTC()) {
			teams = append(teams, path.Dir(path.Dir(m.Name))) // the team's name
		}
	}
	return teams, err
}

// Remit returns the teams person (a person's name) leads today in
// organisation orgID — a live membership with ROLE_LEAD in its term — and
// every team under them, however deep: where a team lead plans.
func (t Client) Remit(ctx context.Context, orgID, person string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	leads, err := t.teamsInTerm(ctx, orgID, fmt.Sprintf("person = %q AND role = ROLE_LEAD", person))
	if err != nil || len(leads) == 0 {
		return nil, err
	}
	return t.under(ctx, orgID, leads)
}

// Subtree returns team (a team's name) of organisation orgID and every
// live team under it, however deep.
func (t Client) Subtree(ctx context.Context, orgID, team string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	return t.under(ctx, orgID, []string{team})
}

// under returns the live teams of orgID that are one of roots or under
// one, sorted.
func (t Client) under(ctx context.Context, orgID string, roots []string) ([]string, error) {
	org := "organisations/" + orgID
	teams, err := lookup.All("the teams service", org, func(token string) ([]*teamspb.Team, string, error) {
		resp, err := t.teams.ListTeams(ctx, &teamspb.ListTeamsRequest{Parent: org, PageSize: 1000, PageToken: token})
		return resp.GetTeams(), resp.GetNextPageToken(), err
	})
	if err != nil {
		return nil, err
	}
	parents := make(map[string]string, len(teams))
	for _, tm := range teams {
		parents[tm.Name] = tm.ParentTeam
	}
	var out []string
	for team := range parents {
		// Walk up from each team: it is in when a root is on its way to
		// the top (a tree has no cycles; the bound is a guard).
		for up, depth := team, 0; up != "" && depth <= len(parents); up, depth = parents[up], depth+1 {
			if slices.Contains(roots, up) {
				out = append(out, team)
				break
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// inTerm reports whether a membership counts on the day of now.
func inTerm(m *teamspb.Member, now time.Time) bool {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if m.StartDate != nil && dates.Time(m.StartDate).After(today) {
		return false
	}
	return m.EndDate == nil || !dates.Time(m.EndDate).Before(today)
}

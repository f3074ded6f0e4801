package teams_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/teams"
)

func names(ts []*pb.Team) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func (e *env) testTree(t *testing.T) {
	c := ctx(t)
	org := e.newOrg(t, "agency")
	national := e.newTeam(t, org, "national", "")
	regional := e.newTeam(t, org, "regional", national.Name)
	north := e.newTeam(t, org, "north", regional.Name)
	south := e.newTeam(t, org, "south", regional.Name)
	create := &pb.CreateTeamRequest{Parent: org, TeamId: "ops", RequestId: "ops-1",
		Team: &pb.Team{DisplayName: "operations", Kind: pb.Team_KIND_OPERATIONAL, Purpose: "Run the service",
			TermsOfReference: strings.Repeat("Meets weekly. ", 1000)}}
	ops, err := e.teams.CreateTeam(c, create)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.teams.CreateTeam(c, create)
	if err != nil || !proto.Equal(again, ops) {
		t.Fatalf("retried create = %v, %v", again, err)
	}
	// The same key with another request is refused, not answered with the
	// first request's team (AIP-155).
	_, err = e.teams.CreateTeam(c, &pb.CreateTeamRequest{Parent: org, TeamId: "ops", RequestId: "ops-1",
		Team: &pb.Team{DisplayName: "operations", Kind: pb.Team_KIND_OPERATIONAL}})
	apitest.WantCode(t, err, codes.InvalidArgument, "request_id")

	if got, err := e.teams.GetTeam(c, &pb.GetTeamRequest{Name: north.Name}); err != nil || got.ParentTeam != regional.Name {
		t.Fatalf("get = %v, %v", got, err)
	}
	if got := e.listTeams(t, &pb.ListTeamsRequest{Parent: org, Filter: fmt.Sprintf("parent_team = %q", regional.Name)}); !slices.Equal(got, []string{north.Name, south.Name}) {
		t.Errorf("children of regional = %v", got)
	}
	if got := e.listTeams(t, &pb.ListTeamsRequest{Parent: org, Filter: `parent_team = ""`, OrderBy: "display_name desc"}); !slices.Equal(got, []string{ops.Name, national.Name}) {
		t.Errorf("top-level teams = %v", got)
	}
	if got := e.listTeams(t, &pb.ListTeamsRequest{Parent: org, Filter: `kind = KIND_OPERATIONAL`}); !slices.Equal(got, []string{ops.Name}) {
		t.Errorf("operational teams = %v", got)
	}
	if got := e.listTeams(t, &pb.ListTeamsRequest{Parent: org, PageSize: 1, Filter: `display_name:"TH"`}); !slices.Equal(got, []string{north.Name, south.Name}) {
		t.Errorf("paged name filter = %v", got)
	}

	anc, err := e.teams.ListTeamAncestors(c, &pb.ListTeamAncestorsRequest{Name: south.Name})
	if err != nil || !slices.Equal(names(anc.Teams), []string{regional.Name, national.Name}) {
		t.Fatalf("ancestors = %v, %v", anc, err)
	}
	tree, err := e.teams.GetTeamSubtree(c, &pb.GetTeamSubtreeRequest{Name: national.Name})
	if err != nil {
		t.Fatal(err)
	}
	if tree.Team.Name != national.Name || len(tree.Children) != 1 || tree.Children[0].Team.Name != regional.Name ||
		len(tree.Children[0].Children) != 2 || tree.Children[0].Children[0].Team.Name != north.Name {
		t.Fatalf("subtree = %v", tree)
	}

	// Rename with the etag; the stale etag then fails.
	renamed, err := e.teams.UpdateTeam(c, &pb.UpdateTeamRequest{Team: &pb.Team{Name: north.Name, DisplayName: "North Province", Etag: north.Etag},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	if err != nil || renamed.DisplayName != "North Province" || renamed.Kind != north.Kind {
		t.Fatalf("rename = %v, %v", renamed, err)
	}
	_, err = e.teams.UpdateTeam(c, &pb.UpdateTeamRequest{Team: &pb.Team{Name: north.Name, DisplayName: "x", Etag: north.Etag},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	apitest.WantCode(t, err, codes.Aborted, "")

	// Move south under national: a legal move.
	moved, err := e.teams.UpdateTeam(c, &pb.UpdateTeamRequest{Team: &pb.Team{Name: south.Name, ParentTeam: national.Name},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"parent_team"}}})
	if err != nil || moved.ParentTeam != national.Name {
		t.Fatalf("move = %v, %v", moved, err)
	}

	_, err = e.teams.DeleteTeam(c, &pb.DeleteTeamRequest{Name: regional.Name})
	apitest.WantCode(t, err, codes.FailedPrecondition, regional.Name)
	if _, err := e.teams.DeleteTeam(c, &pb.DeleteTeamRequest{Name: north.Name}); err != nil {
		t.Fatal(err)
	}
	_, err = e.teams.DeleteTeam(c, &pb.DeleteTeamRequest{Name: north.Name})
	apitest.WantCode(t, err, codes.NotFound, "")
	if got := e.listTeams(t, &pb.ListTeamsRequest{Parent: org}); slices.Contains(got, north.Name) {
		t.Errorf("deleted team listed: %v", got)
	}
	if got := e.listTeams(t, &pb.ListTeamsRequest{Parent: org, ShowDeleted: true}); !slices.Contains(got, north.Name) {
		t.Errorf("show_deleted misses the deleted team: %v", got)
	}
	tree, _ = e.teams.GetTeamSubtree(c, &pb.GetTeamSubtreeRequest{Name: regional.Name})
	if len(tree.Children) != 0 {
		t.Errorf("deleted team in subtree: %v", tree)
	}
	if _, err := e.teams.UndeleteTeam(c, &pb.UndeleteTeamRequest{Name: north.Name}); err != nil {
		t.Fatal(err)
	}
	_, err = e.teams.UndeleteTeam(c, &pb.UndeleteTeamRequest{Name: north.Name})
	apitest.WantCode(t, err, codes.AlreadyExists, "")
}

func (e *env) testTreeRules(t *testing.T) {
	c := ctx(t)
	org := e.newOrg(t, "rules")
	other := e.newOrg(t, "other")
	top := e.newTeam(t, org, "top", "")
	mid := e.newTeam(t, org, "mid", top.Name)
	leaf := e.newTeam(t, org, "leaf", mid.Name)
	foreign := e.newTeam(t, other, "foreign", "")
	teamsBefore, eventsBefore := e.count(t, "teams"), e.count(t, "outbox")

	move := func(team *pb.Team, parent string) error {
		_, err := e.teams.UpdateTeam(c, &pb.UpdateTeamRequest{Team: &pb.Team{Name: team.Name, ParentTeam: parent},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"parent_team"}}})
		return err
	}
	apitest.WantCode(t, move(top, leaf.Name), codes.FailedPrecondition, "team.parent_team")
	apitest.WantCode(t, move(mid, mid.Name), codes.FailedPrecondition, "team.parent_team")
	apitest.WantCode(t, move(mid, foreign.Name), codes.InvalidArgument, "team.parent_team")
	apitest.WantCode(t, move(mid, org+"/teams/ghost"), codes.InvalidArgument, "team.parent_team")
	_, err := e.teams.CreateTeam(c, &pb.CreateTeamRequest{Parent: org, Team: &pb.Team{DisplayName: "x", Kind: pb.Team_KIND_PROJECT, ParentTeam: foreign.Name}})
	apitest.WantCode(t, err, codes.InvalidArgument, "team.parent_team")

	// A chain of MaxDepth teams; one more level is refused.
	parent := ""
	deep := e.newOrg(t, "deep")
	for i := 1; i <= teams.MaxDepth; i++ {
		parent = e.newTeam(t, deep, fmt.Sprintf("level-%d", i), parent).Name
	}
	_, err = e.teams.CreateTeam(c, &pb.CreateTeamRequest{Parent: deep, Team: &pb.Team{DisplayName: "too deep", Kind: pb.Team_KIND_PROJECT, ParentTeam: parent}})
	apitest.WantCode(t, err, codes.FailedPrecondition, "team.parent_team")
	// Moving a two-level subtree under level 9 would make 11 levels.
	subtop := e.newTeam(t, deep, "subtop", "")
	e.newTeam(t, deep, "subleaf", subtop.Name)
	apitest.WantCode(t, move(subtop, deep+"/teams/level-9"), codes.FailedPrecondition, "team.parent_team")
	if err := move(subtop, deep+"/teams/level-8"); err != nil {
		t.Fatalf("move to depth 10: %v", err)
	}

	if n := e.count(t, "teams") - teamsBefore; n != teams.MaxDepth+2 {
		t.Errorf("%d teams stored, want only the %d legal ones", n, teams.MaxDepth+2)
	}
	if n := e.count(t, "outbox") - eventsBefore; n != teams.MaxDepth+3 {
		t.Errorf("%d events, want %d", n, teams.MaxDepth+3)
	}
	for _, tm := range []*pb.Team{top, mid, leaf} {
		got, _ := e.teams.GetTeam(c, &pb.GetTeamRequest{Name: tm.Name})
		if !proto.Equal(got, tm) {
			t.Errorf("refused moves changed %v to %v", tm, got)
		}
	}
}

func (e *env) testBadInput(t *testing.T) {
	c := ctx(t)
	org := e.newOrg(t, "bad")
	team := e.newTeam(t, org, "team", "")
	teamsBefore, eventsBefore := e.count(t, "teams"), e.count(t, "outbox")
	create := func(tm *pb.Team) error {
		_, err := e.teams.CreateTeam(c, &pb.CreateTeamRequest{Parent: org, Team: tm})
		return err
	}
	for _, tc := range []struct {
		name  string
		err   error
		code  codes.Code
		field string
	}{
		{"empty display name", create(&pb.Team{Kind: pb.Team_KIND_PROJECT}), codes.InvalidArgument, "team.display_name"},
		{"missing kind", create(&pb.Team{DisplayName: "x"}), codes.InvalidArgument, "team.kind"},
		{"over-long purpose", create(&pb.Team{DisplayName: "x", Kind: 1, Purpose: strings.Repeat("p", 2001)}), codes.InvalidArgument, "team.purpose"},
		{"malformed parent_team", create(&pb.Team{DisplayName: "x", Kind: 1, ParentTeam: "teams/x"}), codes.InvalidArgument, "team.parent_team"},
		{"bad parent", func() error {
			_, err := e.teams.CreateTeam(c, &pb.CreateTeamRequest{Parent: "orgs/x", Team: &pb.Team{DisplayName: "x", Kind: 1}})
			return err
		}(), codes.InvalidArgument, "parent"},
		{"duplicate id", func() error {
			_, err := e.teams.CreateTeam(c, &pb.CreateTeamRequest{Parent: org, TeamId: "team", Team: &pb.Team{DisplayName: "x", Kind: 1}})
			return err
		}(), codes.AlreadyExists, ""},
		{"bad filter", func() error {
			_, err := e.teams.ListTeams(c, &pb.ListTeamsRequest{Parent: org, Filter: "parent_team = teams/x"})
			return err
		}(), codes.InvalidArgument, "filter"},
		{"unknown mask path", func() error {
			_, err := e.teams.UpdateTeam(c, &pb.UpdateTeamRequest{Team: &pb.Team{Name: team.Name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"colour"}}})
			return err
		}(), codes.InvalidArgument, "update_mask"},
		{"update to blank name", func() error {
			_, err := e.teams.UpdateTeam(c, &pb.UpdateTeamRequest{Team: &pb.Team{Name: team.Name, DisplayName: " "}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
			return err
		}(), codes.InvalidArgument, "team.display_name"},
		{"bad name", func() error {
			_, err := e.teams.GetTeam(c, &pb.GetTeamRequest{Name: org + "/teams/Bad"})
			return err
		}(), codes.InvalidArgument, "name"},
		{"missing team", func() error {
			_, err := e.teams.GetTeamSubtree(c, &pb.GetTeamSubtreeRequest{Name: org + "/teams/ghost"})
			return err
		}(), codes.NotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { apitest.WantCode(t, tc.err, tc.code, tc.field) })
	}
	if e.count(t, "teams") != teamsBefore || e.count(t, "outbox") != eventsBefore {
		t.Errorf("bad input stored something")
	}
}

func (e *env) testOrganisationChecked(t *testing.T) {
	c := ctx(t)
	_, err := e.teams.CreateTeam(c, &pb.CreateTeamRequest{Parent: "organisations/nowhere", Team: &pb.Team{DisplayName: "x", Kind: 1}})
	apitest.WantCode(t, err, codes.NotFound, "")
	org := e.newOrg(t, "closed")
	if _, err := e.orgs.DeleteOrganisation(c, &orgpb.DeleteOrganisationRequest{Name: org}); err != nil {
		t.Fatal(err)
	}
	_, err = e.teams.CreateTeam(c, &pb.CreateTeamRequest{Parent: org, Team: &pb.Team{DisplayName: "x", Kind: 1}})
	apitest.WantCode(t, err, codes.FailedPrecondition, org)
}

func (e *env) testCascade(t *testing.T) {
	c := ctx(t)
	org := e.newOrg(t, "cascade")
	a := e.newTeam(t, org, "a", "")
	e.newTeam(t, org, "b", a.Name)
	gone := e.newTeam(t, org, "gone", "")
	if _, err := e.teams.DeleteTeam(c, &pb.DeleteTeamRequest{Name: gone.Name}); err != nil {
		t.Fatal(err)
	}
	live := func() []string { return e.listTeams(t, &pb.ListTeamsRequest{Parent: org}) }

	if _, err := e.orgs.DeleteOrganisation(c, &orgpb.DeleteOrganisationRequest{Name: org}); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 15*time.Second, "teams of the deleted organisation still listed", func() bool { return len(live()) == 0 })
	if _, err := e.orgs.UndeleteOrganisation(c, &orgpb.UndeleteOrganisationRequest{Name: org}); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 15*time.Second, "teams not back after undelete", func() bool { return len(live()) == 2 })
	if slices.Contains(live(), gone.Name) {
		t.Errorf("undeleting the organisation restored a team deleted on its own")
	}

	// Redeliver the organisation's events: the deletion under a new message
	// id (same ce-id), as a replay would. Nothing changes.
	time.Sleep(500 * time.Millisecond)
	before := e.count(t, "outbox")
	for _, m := range e.orgEvents(t, org) {
		m.Header.Set(nats.MsgIdHdr, "replay-"+m.Header.Get(events.HeaderID))
		if _, err := e.b.JS.PublishMsg(c, m); err != nil {
			t.Fatal(err)
		}
	}
	// An older deletion arriving late, under a new event id, is ignored too.
	stale := &orgpb.OrganisationDeleted{Organisation: &orgpb.Organisation{Name: org, UpdateTime: timestamppb.New(time.Unix(0, 0)),
		DeleteTime: timestamppb.Now()}}
	data, _ := proto.Marshal(stale)
	staleMsg := events.Event{ID: events.NewID(), Source: orgSource, Type: string(proto.MessageName(stale)), Subject: org,
		Time: time.Now(), Data: data, NATSSubject: events.Subject{Prefix: e.prefix, Service: "organisations", Version: events.Version, Org: "cascade", Resource: "organisation", Change: "deleted"}.String()}.Msg()
	if _, err := e.b.JS.PublishMsg(c, staleMsg); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if got := live(); len(got) != 2 {
		t.Errorf("replayed events changed the teams: %v", got)
	}
	if n := e.count(t, "outbox") - before; n != 0 {
		t.Errorf("replayed events produced %d team events", n)
	}
}

const orgSource = "//goldenthread/organisations"

// orgEvents returns the organisation's deleted and undeleted events as
// stored on the organisations stream.
func (e *env) orgEvents(t *testing.T, org string) []*nats.Msg {
	t.Helper()
	c := ctx(t)
	s, err := e.b.JS.Stream(c, strings.ToUpper(e.prefix)+"_ORGANISATIONS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(c)
	if err != nil {
		t.Fatal(err)
	}
	var out []*nats.Msg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		raw, err := s.GetMsg(c, seq)
		if err != nil {
			t.Fatal(err)
		}
		if raw.Header.Get(events.HeaderSubject) == org && (strings.HasSuffix(raw.Subject, ".deleted") || strings.HasSuffix(raw.Subject, ".undeleted")) {
			m := nats.NewMsg(raw.Subject)
			m.Header, m.Data = raw.Header, raw.Data
			out = append(out, m)
		}
	}
	if len(out) != 2 {
		t.Fatalf("found %d deleted/undeleted events for %s", len(out), org)
	}
	return out
}

func (e *env) testOrganisationsDown(t *testing.T) {
	org := e.newOrg(t, "resilient")
	before := e.count(t, "teams")
	e.stopOrgs()
	_, err := e.teams.CreateTeam(ctx(t), &pb.CreateTeamRequest{Parent: org, Team: &pb.Team{DisplayName: "x", Kind: 1}})
	apitest.WantCode(t, err, codes.Unavailable, "")
	if !strings.Contains(err.Error(), "organisations service") {
		t.Errorf("UNAVAILABLE does not say what is down: %v", err)
	}
	if e.count(t, "teams") != before {
		t.Fatal("a team was stored while the organisations service was down")
	}
	e.startOrgs(t, e.orgAddr)
	apitest.Eventually(t, 15*time.Second, "team create never succeeded after the organisations service came back", func() bool {
		_, err := e.teams.CreateTeam(context.Background(), &pb.CreateTeamRequest{Parent: org, TeamId: "after", Team: &pb.Team{DisplayName: "x", Kind: 1}})
		return err == nil
	})
}

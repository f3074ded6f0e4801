package planning_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/events"
)

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	apitest.Eventually(t, 20*time.Second, what, cond)
}

// kpiEvent publishes a KpiStatusChanged as the KPI service would, with the
// given event id (a redelivery reuses one) under a fresh message id.
func (e *env) kpiEvent(t *testing.T, id string, ev *kpipb.KpiStatusChanged) {
	t.Helper()
	c := context.Background()
	if err := events.EnsureStream(c, e.b.JS, events.StreamSpec{Name: strings.ToUpper(e.prefix) + "_KPIS",
		Subjects: []string{e.prefix + ".kpis.>"}}); err != nil {
		t.Fatal(err)
	}
	data, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	orgID := strings.Split(ev.Kpi, "/")[1]
	m := events.Event{ID: id, Source: "//goldenthread/kpis", Type: string(proto.MessageName(ev)), Subject: ev.Kpi,
		Time: time.Now(), Data: data, NATSSubject: e.prefix + ".kpis.v1." + orgID + ".kpi.status_changed"}.Msg()
	m.Header.Set(nats.MsgIdHdr, events.NewID())
	if _, err := e.b.JS.PublishMsg(c, m); err != nil {
		t.Fatal(err)
	}
}

func (e *env) health(t *testing.T, names ...string) []pb.Health {
	var out []pb.Health
	for _, n := range names {
		out = append(out, e.get(t, n).Health)
	}
	return out
}

func all(hs []pb.Health, want pb.Health) bool {
	for _, h := range hs {
		if h != want {
			return false
		}
	}
	return true
}

func (e *env) testRollup(t *testing.T) {
	p := e.buildPlan(t, "rollup")
	thread := []string{p.tactic, p.strategy, p.calendar, p.mission, p.vision}
	kpi := p.org + "/kpis/trainers-trained"
	at := time.Now()
	change := func(s kpipb.KpiStatus, at time.Time) *kpipb.KpiStatusChanged {
		return &kpipb.KpiStatusChanged{Kpi: kpi, Element: p.tactic, NewStatus: s, ChangeTime: timestamppb.New(at)}
	}

	// The tactic also serves a strategy of another objective: its health
	// counts there too, its progress does not.
	served := e.mustCreate(t, p.org, el{id: "served", level: pb.Level_LEVEL_STRATEGY, title: "Know what families think", team: p.east,
		parent: p.sop, start: day(2018, 1, 1), end: day(2018, 12, 31)}).Name
	if _, err := e.elements.UpdateElement(ctx(t), &pb.UpdateElementRequest{Element: &pb.Element{Name: p.tactic, Supports: []string{served}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"supports"}}}); err != nil {
		t.Fatal(err)
	}
	e.kpiEvent(t, "red-1", change(kpipb.KpiStatus_KPI_STATUS_RED, at))
	eventually(t, "a red KPI on the tactic did not turn the strategy it serves off track", func() bool {
		s := e.get(t, served)
		return s.Health == pb.Health_HEALTH_OFF_TRACK && s.Progress == 0
	})
	eventually(t, "a red KPI on the tactic did not turn its thread off track", func() bool {
		return all(e.health(t, thread...), pb.Health_HEALTH_OFF_TRACK)
	})
	// The thematic goal its objective defines takes its health from it.
	if h := e.get(t, p.train).Health; h != pb.Health_HEALTH_OFF_TRACK {
		t.Errorf("the thematic goal is %v while its defining objective is off track", h)
	}
	if h := e.get(t, p.tactic2).Health; h != pb.Health_HEALTH_UNKNOWN {
		t.Errorf("a sibling tactic turned %v", h)
	}
	if h := e.get(t, p.sop).Health; h != pb.Health_HEALTH_OFF_TRACK {
		t.Errorf("the objective above the served strategy is %v, want off track", h)
	}
	if h := e.get(t, p.craft).Health; h != pb.Health_HEALTH_UNKNOWN {
		t.Errorf("an element off the thread turned %v", h)
	}

	// The same event again (a redelivery), and an older one: no change.
	healthEvents := func() int {
		var n int
		_ = e.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM outbox WHERE subject LIKE ?", "%.health_changed").Scan(&n)
		return n
	}
	before := healthEvents()
	e.kpiEvent(t, "red-1", change(kpipb.KpiStatus_KPI_STATUS_RED, at))
	e.kpiEvent(t, "old-green", change(kpipb.KpiStatus_KPI_STATUS_GREEN, at.Add(-time.Hour)))
	time.Sleep(1500 * time.Millisecond)
	if n := healthEvents(); n != before || !all(e.health(t, thread...), pb.Health_HEALTH_OFF_TRACK) {
		t.Fatalf("a repeated or older event changed the thread (%d health events, was %d)", n, before)
	}

	e.kpiEvent(t, "green-2", change(kpipb.KpiStatus_KPI_STATUS_GREEN, at.Add(time.Minute)))
	eventually(t, "a later green KPI did not restore the thread", func() bool {
		return all(e.health(t, thread...), pb.Health_HEALTH_ON_TRACK)
	})
	// An amber KPI on the other tactic: the strategy and above are at risk,
	// worst-of; the first tactic stays on track.
	e.kpiEvent(t, "amber-3", &kpipb.KpiStatusChanged{Kpi: p.org + "/kpis/venues", Element: p.tactic2,
		NewStatus: kpipb.KpiStatus_KPI_STATUS_AMBER, ChangeTime: timestamppb.Now()})
	eventually(t, "amber did not roll up", func() bool {
		h := e.health(t, p.tactic, p.tactic2, p.strategy, p.vision)
		return h[0] == pb.Health_HEALTH_ON_TRACK && h[1] == pb.Health_HEALTH_AT_RISK && h[2] == pb.Health_HEALTH_AT_RISK && h[3] == pb.Health_HEALTH_AT_RISK
	})
	// Dropping the amber tactic takes it out of the roll-up.
	if _, err := e.elements.UpdateElement(ctx(t), &pb.UpdateElementRequest{Element: &pb.Element{Name: p.tactic2, Status: pb.Status_STATUS_DROPPED},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}}); err != nil {
		t.Fatal(err)
	}
	if h := e.health(t, p.strategy, p.vision); !all(h, pb.Health_HEALTH_ON_TRACK) {
		t.Errorf("after dropping the amber tactic: %v", h)
	}
	if s := e.get(t, p.strategy); s.Progress != 80 {
		t.Errorf("strategy progress %d after dropping a tactic, want 80", s.Progress)
	}
}

func (e *env) testDelete(t *testing.T) {
	c := ctx(t)
	p := e.buildPlan(t, "deletes")
	if _, err := e.elements.DeleteElement(c, &pb.DeleteElementRequest{Name: p.tactic2}); err != nil {
		t.Fatal(err)
	}
	if s := e.get(t, p.strategy); s.Progress != 80 {
		t.Errorf("progress after deleting a tactic: %d, want 80", s.Progress)
	}
	if _, err := e.elements.DeleteElement(c, &pb.DeleteElementRequest{Name: p.strategy, Force: true}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, p.tactic); got.DeleteTime == nil {
		t.Errorf("force left the tactic live")
	}
	if got := e.get(t, p.calendar); got.Progress != 0 {
		t.Errorf("objective progress after its subtree went: %d", got.Progress)
	}
	_, err := e.elements.UndeleteElement(c, &pb.UndeleteElementRequest{Name: p.tactic})
	apitest.WantCode(t, err, codes.FailedPrecondition, "element.parent")
	// Undeleting the strategy brings back what its deletion took (the
	// tactic), and not what was deleted before (tactic2).
	if _, err := e.elements.UndeleteElement(c, &pb.UndeleteElementRequest{Name: p.strategy}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, p.tactic); got.DeleteTime != nil || got.UpdateActor != e.get(t, p.strategy).UpdateActor {
		t.Errorf("the tactic after its strategy's undeletion: %v", got)
	}
	if got := e.get(t, p.tactic2); got.DeleteTime == nil {
		t.Errorf("undeleting the strategy restored tactic2, deleted before it")
	}
	_, err = e.elements.UndeleteElement(c, &pb.UndeleteElementRequest{Name: p.tactic})
	apitest.WantCode(t, err, codes.AlreadyExists, "")
	if got := e.get(t, p.calendar); got.Progress != 80 {
		t.Errorf("objective progress after restoring: %d, want 80", got.Progress)
	}
}

func (e *env) testContributors(t *testing.T) {
	c := ctx(t)
	p := e.buildPlan(t, "contributors")
	person := func(id string) string { return e.person(t, p.org, id, identitypb.Role_ROLE_CONTRIBUTOR) }
	member, outsider := person("member"), person("outsider")
	if _, err := e.members.CreateMember(c, &teamspb.CreateMemberRequest{Parent: p.east,
		Member: &teamspb.Member{Person: member, Role: teamspb.Member_ROLE_MEMBER}}); err != nil {
		t.Fatal(err)
	}
	update := func(as string, change *pb.Element, paths ...string) error {
		change.Name = p.tactic
		_, err := e.as(t, e.auth.Token(t, as)).elements.UpdateElement(c, &pb.UpdateElementRequest{Element: change,
			UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		return err
	}
	if err := update("sub-member", &pb.Element{Progress: 95, Status: pb.Status_STATUS_ACTIVE}, "progress", "status"); err != nil {
		t.Fatalf("a member of the owner team updating progress: %v", err)
	}
	if got := e.get(t, p.tactic); got.Progress != 95 || got.UpdateActor != "user:sub-member" {
		t.Errorf("tactic after the contributor's update: %v", got)
	}
	apitest.WantCode(t, update("sub-member", &pb.Element{Title: "renamed"}, "title"), codes.PermissionDenied, "")
	apitest.WantCode(t, update("sub-outsider", &pb.Element{Progress: 10}, "progress"), codes.PermissionDenied, "")
	_ = outsider
}

func (e *env) testList(t *testing.T) {
	c := ctx(t)
	p := e.buildPlan(t, "listing")
	list := func(req *pb.ListElementsRequest) []string {
		req.Parent = p.org
		var out []string
		for {
			resp, err := e.elements.ListElements(c, req)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, names(resp.Elements)...)
			if resp.NextPageToken == "" {
				return out
			}
			req.PageToken = resp.NextPageToken
		}
	}
	if got := list(&pb.ListElementsRequest{PageSize: 2}); len(got) != 12 {
		t.Errorf("paged list: %d elements", len(got))
	}
	if got := list(&pb.ListElementsRequest{Filter: "objective_kind = OBJECTIVE_KIND_THEMATIC_GOAL", OrderBy: "priority_rank desc"}); fmt.Sprint(got) != fmt.Sprint([]string{p.energize, p.train, p.clarify, p.craft}) {
		t.Errorf("thematic goals by rank desc: %v", got)
	}
	if got := list(&pb.ListElementsRequest{Filter: fmt.Sprintf("parent = %q AND level = LEVEL_TACTIC", p.strategy)}); len(got) != 2 {
		t.Errorf("tactics of the strategy: %v", got)
	}
	if got := list(&pb.ListElementsRequest{Filter: fmt.Sprintf("owner_team = %q", p.west)}); fmt.Sprint(got) != fmt.Sprint([]string{p.energize}) {
		t.Errorf("west's elements: %v", got)
	}
}

package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/encoding/protojson"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth/authtest"
	"github.com/goldenthread/goldenthread/services/kit/jwt"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

// clients are the gRPC clients of every service, calling as one caller.
type clients struct {
	orgs        orgpb.OrganisationsServiceClient
	people      orgpb.PeopleServiceClient
	access      orgpb.AccessServiceClient
	callers     identitypb.CallerServiceClient
	teams       teamspb.TeamsServiceClient
	members     teamspb.MembersServiceClient
	elements    planningpb.ElementsServiceClient
	links       planningpb.LinkRequestsServiceClient
	checkIns    planningpb.CheckInsServiceClient
	comments    planningpb.CommentsServiceClient
	work        planningpb.WorkServiceClient
	digest      planningpb.DigestServiceClient
	kpis        kpispb.KpisServiceClient
	measures    kpispb.MeasurementsServiceClient
	history     historypb.HistoryServiceClient
	cycles      planningpb.CyclesServiceClient
	webhooks    orgpb.WebhooksServiceClient
	publication planningpb.PublicationServiceClient
}

// restJSON is m as a REST body: JSON with the proto field names, as the
// OpenAPI document names them (the gateway also reads lowerCamelCase).
func restJSON(m proto.Message) string {
	return protojson.MarshalOptions{UseProtoNames: true}.Format(m)
}

func newClients(t *testing.T, addr, token string) *clients {
	t.Helper()
	conn := servicetest.Dial(t, addr, token)
	return &clients{orgs: orgpb.NewOrganisationsServiceClient(conn), people: orgpb.NewPeopleServiceClient(conn),
		access: orgpb.NewAccessServiceClient(conn), callers: identitypb.NewCallerServiceClient(conn), webhooks: orgpb.NewWebhooksServiceClient(conn),
		publication: planningpb.NewPublicationServiceClient(conn),
		teams:       teamspb.NewTeamsServiceClient(conn), members: teamspb.NewMembersServiceClient(conn),
		elements: planningpb.NewElementsServiceClient(conn), links: planningpb.NewLinkRequestsServiceClient(conn),
		checkIns: planningpb.NewCheckInsServiceClient(conn), comments: planningpb.NewCommentsServiceClient(conn),
		work: planningpb.NewWorkServiceClient(conn), digest: planningpb.NewDigestServiceClient(conn),
		kpis: kpispb.NewKpisServiceClient(conn), measures: kpispb.NewMeasurementsServiceClient(conn),
		history: historypb.NewHistoryServiceClient(conn), cycles: planningpb.NewCyclesServiceClient(conn)}
}

// fixture is two organisations: org-a with a person of each role (whose
// external subjects are the role names) and one of each resource, and
// org-b with its own admin.
type fixture struct {
	t     *testing.T
	admin *clients // the platform admin, who prepares every case
	n     atomic.Int64
	orgB  sync.Once // org-b's team, vision and mission, for link requests
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// id returns a fresh resource id.
func (f *fixture) id(prefix string) string { return fmt.Sprintf("%s-%d", prefix, f.n.Add(1)) }

func (f *fixture) person(org, id string, role identitypb.Role, subject string) string {
	f.t.Helper()
	p, err := f.admin.people.CreatePerson(context.Background(), &orgpb.CreatePersonRequest{Parent: org, PersonId: id,
		Person: &orgpb.Person{DisplayName: id, Email: id + "@" + strings.TrimPrefix(org, "organisations/") + ".example",
			Role: role, ExternalSubject: subject}})
	f.must(err)
	return p.Name
}

func (f *fixture) team(deleted bool) string {
	f.t.Helper()
	tm, err := f.admin.teams.CreateTeam(context.Background(), &teamspb.CreateTeamRequest{Parent: "organisations/org-a", TeamId: f.id("team"),
		Team: &teamspb.Team{DisplayName: "team", Kind: teamspb.Team_KIND_PROJECT}})
	f.must(err)
	if deleted {
		_, err = f.admin.teams.DeleteTeam(context.Background(), &teamspb.DeleteTeamRequest{Name: tm.Name})
		f.must(err)
	}
	return tm.Name
}

func (f *fixture) member() string {
	f.t.Helper()
	m, err := f.admin.members.CreateMember(context.Background(), &teamspb.CreateMemberRequest{Parent: "organisations/org-a/teams/t",
		Member: &teamspb.Member{Person: f.person("organisations/org-a", f.id("p"), 0, ""), Role: teamspb.Member_ROLE_MEMBER}})
	f.must(err)
	return m.Name
}

// element makes a fresh vision owned by team t, deleted if asked.
func (f *fixture) element(deleted bool) string {
	f.t.Helper()
	e, err := f.admin.elements.CreateElement(context.Background(), &planningpb.CreateElementRequest{Parent: "organisations/org-a",
		ElementId: f.id("vision"), Element: &planningpb.Element{Level: planningpb.Level_LEVEL_VISION, Title: "v",
			OwnerTeam: "organisations/org-a/teams/t", StartDate: &date.Date{Year: 2026, Month: 1, Day: 1},
			EndDate: &date.Date{Year: 2030, Month: 12, Day: 31}}})
	f.must(err)
	if deleted {
		_, err = f.admin.elements.DeleteElement(context.Background(), &planningpb.DeleteElementRequest{Name: e.Name})
		f.must(err)
	}
	return e.Name
}

// halfYear is the cycle 2018 H1.
func halfYear() *planningpb.Cycle {
	return &planningpb.Cycle{DisplayName: "h", StartDate: &date.Date{Year: 2018, Month: 1, Day: 1}, EndDate: &date.Date{Year: 2018, Month: 6, Day: 30}}
}

// cycle makes a fresh cycle of org-a, closed if asked.
func (f *fixture) cycle(closed bool) string {
	f.t.Helper()
	c, err := f.admin.cycles.CreateCycle(context.Background(), &planningpb.CreateCycleRequest{Parent: "organisations/org-a", CycleId: f.id("cycle"), Cycle: halfYear()})
	f.must(err)
	if closed {
		_, err = f.admin.cycles.CloseCycle(context.Background(), &planningpb.CloseCycleRequest{Name: c.Name})
		f.must(err)
	}
	return c.Name
}

// revision is the first revision of a fresh element of org-a, renamed
// since.
func (f *fixture) revision() string {
	f.t.Helper()
	el := f.element(false)
	_, err := f.admin.elements.UpdateElement(context.Background(), &planningpb.UpdateElementRequest{
		Element: &planningpb.Element{Name: el, Title: "renamed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	f.must(err)
	revs, err := f.admin.history.ListRevisions(context.Background(), &historypb.ListRevisionsRequest{Name: el})
	f.must(err)
	return revs.Revisions[len(revs.Revisions)-1].Name
}

// checkIn posts a check-in on a fresh element of org-a.
func (f *fixture) checkIn() string {
	f.t.Helper()
	ci, err := f.admin.checkIns.CreateCheckIn(context.Background(), &planningpb.CreateCheckInRequest{Parent: f.element(false),
		CheckIn: &planningpb.CheckIn{Assessment: planningpb.Health_HEALTH_ON_TRACK, Summary: "fine"}})
	f.must(err)
	return ci.Name
}

// comment writes a comment, as by, on a fresh element of org-a.
func (f *fixture) comment(by *clients) string {
	f.t.Helper()
	cm, err := by.comments.CreateComment(context.Background(), &planningpb.CreateCommentRequest{Parent: f.element(false),
		Comment: &planningpb.Comment{Text: "a remark"}})
	f.must(err)
	return cm.Name
}

// linkRequest files a fresh request in org-a: a mission of org-b would
// support a fresh vision of org-a.
func (f *fixture) linkRequest() string {
	f.t.Helper()
	ctx := context.Background()
	f.orgB.Do(func() {
		_, err := f.admin.teams.CreateTeam(ctx, &teamspb.CreateTeamRequest{Parent: "organisations/org-b", TeamId: "t",
			Team: &teamspb.Team{DisplayName: "t", Kind: teamspb.Team_KIND_LEADERSHIP}})
		f.must(err)
		for _, e := range []*planningpb.Element{
			{Level: planningpb.Level_LEVEL_VISION, Title: "b"},
			{Level: planningpb.Level_LEVEL_MISSION, Title: "m", Parent: "organisations/org-b/elements/vision"},
		} {
			e.OwnerTeam, e.StartDate, e.EndDate = "organisations/org-b/teams/t", &date.Date{Year: 2026, Month: 1, Day: 1}, &date.Date{Year: 2030, Month: 12, Day: 31}
			_, err := f.admin.elements.CreateElement(ctx, &planningpb.CreateElementRequest{Parent: "organisations/org-b",
				ElementId: map[planningpb.Level]string{planningpb.Level_LEVEL_VISION: "vision", planningpb.Level_LEVEL_MISSION: "mission"}[e.Level], Element: e})
			f.must(err)
		}
	})
	l, err := f.admin.links.CreateLinkRequest(ctx, &planningpb.CreateLinkRequestRequest{Parent: "organisations/org-a",
		LinkRequest: &planningpb.LinkRequest{Element: "organisations/org-b/elements/mission", Target: f.element(false)}})
	f.must(err)
	return l.Name
}

// newKpi is a KPI on a fresh element, owned by team t.
func newKpi(f *fixture) *kpispb.Kpi {
	return &kpispb.Kpi{Title: "k", Unit: kpispb.Unit_UNIT_COUNT, Direction: kpispb.Direction_DIRECTION_HIGHER_IS_BETTER,
		Frequency: kpispb.Frequency_FREQUENCY_MONTHLY, Element: f.element(false), OwnerTeam: "organisations/org-a/teams/t",
		Targets:    []*kpispb.Target{{PeriodEnd: &date.Date{Year: 2030, Month: 12, Day: 31}, Value: 10}},
		Thresholds: &kpispb.Thresholds{Kind: kpispb.Thresholds_KIND_ABSOLUTE, GreenWithin: 1, AmberWithin: 2}}
}

// kpi makes a fresh KPI, deleted if asked.
func (f *fixture) kpi(deleted bool) string {
	f.t.Helper()
	k, err := f.admin.kpis.CreateKpi(context.Background(), &kpispb.CreateKpiRequest{Parent: "organisations/org-a", Kpi: newKpi(f)})
	f.must(err)
	if deleted {
		_, err = f.admin.kpis.DeleteKpi(context.Background(), &kpispb.DeleteKpiRequest{Name: k.Name})
		f.must(err)
	}
	return k.Name
}

// measurement records a value of kpi for a fresh month.
func (f *fixture) measurement(kpi string) string {
	f.t.Helper()
	m, err := f.admin.measures.CreateMeasurement(context.Background(), &kpispb.CreateMeasurementRequest{Parent: kpi,
		Measurement: &kpispb.Measurement{PeriodEnd: f.month(), Value: proto.Float64(1)}})
	f.must(err)
	return m.Name
}

// month is the end of a month no other call has used, counting back from
// 2020 (a value may not be recorded for a period far in the future).
func (f *fixture) month() *date.Date {
	d := time.Date(2020, 1-time.Month(f.n.Add(1)), 0, 0, 0, 0, 0, time.UTC)
	return &date.Date{Year: int32(d.Year()), Month: int32(d.Month()), Day: int32(d.Day())}
}

func (f *fixture) token() string {
	f.t.Helper()
	tok, err := f.admin.access.CreateApiToken(context.Background(), &orgpb.CreateApiTokenRequest{Parent: "organisations/org-a",
		ApiToken: &orgpb.ApiToken{DisplayName: "ci", Role: identitypb.Role_ROLE_VIEWER}})
	f.must(err)
	return tok.ApiToken.Name
}

// publish publishes org-a's plan, as its admin.
func (f *fixture) publish() {
	f.t.Helper()
	_, err := f.admin.publication.UpdatePublication(context.Background(), &planningpb.UpdatePublicationRequest{Publication: &planningpb.Publication{
		Name: "organisations/org-a/publication", Published: true, DisplayName: "Org A"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"published", "display_name"}}})
	f.must(err)
}

// newWebhook is a webhook of org-a to a public address, for events never
// published (a test event is sent to any webhook).
func newWebhook() *orgpb.Webhook {
	return &orgpb.Webhook{DisplayName: "w", Url: "https://8.8.8.8/hook", EventTypes: []string{"goldenthread.organisations.v1.WebhookTested"}}
}

// webhook makes a fresh webhook of org-a.
func (f *fixture) webhook() string {
	f.t.Helper()
	w, err := f.admin.webhooks.CreateWebhook(context.Background(), &orgpb.CreateWebhookRequest{Parent: "organisations/org-a", Webhook: newWebhook()})
	f.must(err)
	return w.Webhook.Name
}

// call is one RPC made the two ways: over gRPC and through the gateway.
type call struct {
	grpc               func(ctx context.Context, c *clients) error
	method, path, body string
}

// rpcCase is an RPC, what its policy asks, and how to make a fresh call.
type rpcCase struct {
	name string
	// need is the least role in org-a; platform and anyone mark the other
	// rules.
	need           identitypb.Role
	platform, open bool
	// public: the method takes no credential, so every caller gets the
	// same answer, whatever it sends.
	public bool
	// authorOnly: the resource is another caller's (a comment), so even a
	// role that may call the method is refused.
	authorOnly bool
	prepare    func(f *fixture) call
}

func rpcCases() []rpcCase {
	const org = "organisations/org-a"
	const viewer, admin = identitypb.Role_ROLE_VIEWER, identitypb.Role_ROLE_ADMIN
	mask := func(p string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: []string{p}} }
	planner, contributor := identitypb.Role_ROLE_PLANNER, identitypb.Role_ROLE_CONTRIBUTOR
	vision := func(title string) *planningpb.Element {
		return &planningpb.Element{Level: planningpb.Level_LEVEL_VISION, Title: title, OwnerTeam: org + "/teams/t",
			StartDate: &date.Date{Year: 2026, Month: 1, Day: 1}, EndDate: &date.Date{Year: 2030, Month: 12, Day: 31}}
	}
	const visionJSON = `{"level":"LEVEL_VISION","title":"v","owner_team":"organisations/org-a/teams/t",` +
		`"start_date":{"year":2026,"month":1,"day":1},"end_date":{"year":2030,"month":12,"day":31}}`
	return []rpcCase{
		{name: "GetElement", need: viewer, prepare: func(f *fixture) call {
			el := f.element(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.GetElement(ctx, &planningpb.GetElementRequest{Name: el})
				return err
			}, "GET", "/v1/" + el, ""}
		}},
		{name: "ListElements", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.ListElements(ctx, &planningpb.ListElementsRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/elements", ""}
		}},
		{name: "GetLinkRequest", need: viewer, prepare: func(f *fixture) call {
			l := f.linkRequest()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.links.GetLinkRequest(ctx, &planningpb.GetLinkRequestRequest{Name: l})
				return err
			}, "GET", "/v1/" + l, ""}
		}},
		{name: "ListLinkRequests", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.links.ListLinkRequests(ctx, &planningpb.ListLinkRequestsRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/linkRequests", ""}
		}},
		// Filed in the organisation asked (org-b) by a planner of the one
		// asking (org-a, the element's): the role is org-a's.
		{name: "CreateLinkRequest", need: planner, prepare: func(f *fixture) call {
			e1, e2 := f.element(false), f.element(false)
			const target = "organisations/org-b/elements/vision"
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.links.CreateLinkRequest(ctx, &planningpb.CreateLinkRequestRequest{Parent: "organisations/org-b",
					LinkRequest: &planningpb.LinkRequest{Element: e1, Target: target}})
				return err
			}, "POST", "/v1/organisations/org-b/linkRequests", `{"element":"` + e2 + `","target":"` + target + `"}`}
		}},
		{name: "AcceptLinkRequest", need: planner, prepare: func(f *fixture) call {
			l1, l2 := f.linkRequest(), f.linkRequest()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.links.AcceptLinkRequest(ctx, &planningpb.AcceptLinkRequestRequest{Name: l1})
				return err
			}, "POST", "/v1/" + l2 + ":accept", "{}"}
		}},
		{name: "DeclineLinkRequest", need: planner, prepare: func(f *fixture) call {
			l1, l2 := f.linkRequest(), f.linkRequest()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.links.DeclineLinkRequest(ctx, &planningpb.DeclineLinkRequestRequest{Name: l1})
				return err
			}, "POST", "/v1/" + l2 + ":decline", "{}"}
		}},
		{name: "ListRevisions", need: viewer, prepare: func(f *fixture) call {
			el := f.element(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.history.ListRevisions(ctx, &historypb.ListRevisionsRequest{Name: el})
				return err
			}, "GET", "/v1/" + el + ":listRevisions", ""}
		}},
		{name: "GetRevision", need: viewer, prepare: func(f *fixture) call {
			rev := f.revision()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.history.GetRevision(ctx, &historypb.GetRevisionRequest{Name: rev})
				return err
			}, "GET", "/v1/" + rev + ":getRevision", ""}
		}},
		// A rollback is the element's update: renaming it back asks for a
		// planner.
		{name: "RollbackRevision", need: planner, prepare: func(f *fixture) call {
			r1, r2 := f.revision(), f.revision()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.history.RollbackRevision(ctx, &historypb.RollbackRevisionRequest{Name: r1})
				return err
			}, "POST", "/v1/" + r2 + ":rollback", "{}"}
		}},
		{name: "CompareElements", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.CompareElements(ctx, &planningpb.CompareElementsRequest{Parent: org, FromTime: timestamppb.New(time.Now().Add(-time.Hour))})
				return err
			}, "GET", "/v1/" + org + "/elements:compare?from_time=2026-01-01T00:00:00Z", ""}
		}},
		{name: "GetCycle", need: viewer, prepare: func(f *fixture) call {
			cy := f.cycle(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.cycles.GetCycle(ctx, &planningpb.GetCycleRequest{Name: cy})
				return err
			}, "GET", "/v1/" + cy, ""}
		}},
		{name: "ListCycles", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.cycles.ListCycles(ctx, &planningpb.ListCyclesRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/cycles", ""}
		}},
		{name: "CreateCycle", need: planner, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.cycles.CreateCycle(ctx, &planningpb.CreateCycleRequest{Parent: org, Cycle: halfYear()})
				return err
			}, "POST", "/v1/" + org + "/cycles", `{"display_name":"h","start_date":{"year":2018,"month":1,"day":1},"end_date":{"year":2018,"month":6,"day":30}}`}
		}},
		{name: "UpdateCycle", need: planner, prepare: func(f *fixture) call {
			c1, c2 := f.cycle(false), f.cycle(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.cycles.UpdateCycle(ctx, &planningpb.UpdateCycleRequest{Cycle: &planningpb.Cycle{Name: c1, DisplayName: "renamed"},
					UpdateMask: mask("display_name")})
				return err
			}, "PATCH", "/v1/" + c2 + "?update_mask=display_name", `{"display_name":"renamed"}`}
		}},
		{name: "CloseCycle", need: planner, prepare: func(f *fixture) call {
			c1, c2 := f.cycle(false), f.cycle(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.cycles.CloseCycle(ctx, &planningpb.CloseCycleRequest{Name: c1})
				return err
			}, "POST", "/v1/" + c2 + ":close", "{}"}
		}},
		{name: "CarryForwardCycle", need: planner, prepare: func(f *fixture) call {
			c1, c2 := f.cycle(true), f.cycle(true)
			next := `{"next_cycle_id":"` + f.id("next") + `","next_cycle":{"display_name":"n","start_date":{"year":2018,"month":7,"day":1},"end_date":{"year":2018,"month":12,"day":31}}}`
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.cycles.CarryForwardCycle(ctx, &planningpb.CarryForwardCycleRequest{Name: c1, NextCycleId: f.id("next"), NextCycle: halfYear()})
				return err
			}, "POST", "/v1/" + c2 + ":carryForward", next}
		}},
		{name: "ListChanges", need: planner, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.history.ListChanges(ctx, &historypb.ListChangesRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/changes", ""}
		}},
		{name: "GetElementThread", need: viewer, prepare: func(f *fixture) call {
			el := f.element(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.GetElementThread(ctx, &planningpb.GetElementThreadRequest{Name: el})
				return err
			}, "GET", "/v1/" + el + ":thread", ""}
		}},
		{name: "GetElementTree", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.GetElementTree(ctx, &planningpb.GetElementTreeRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/elements:tree", ""}
		}},
		{name: "GetIntegrityReport", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.GetIntegrityReport(ctx, &planningpb.GetIntegrityReportRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/integrityReport", ""}
		}},
		{name: "CreateElement", need: planner, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.CreateElement(ctx, &planningpb.CreateElementRequest{Parent: org, Element: vision("x")})
				return err
			}, "POST", "/v1/" + org + "/elements", visionJSON}
		}},
		{name: "UpdateElement", need: contributor, prepare: func(f *fixture) call {
			e1, e2 := f.element(false), f.element(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.UpdateElement(ctx, &planningpb.UpdateElementRequest{
					Element: &planningpb.Element{Name: e1, Status: planningpb.Status_STATUS_ACTIVE}, UpdateMask: mask("status")})
				return err
			}, "PATCH", "/v1/" + e2, `{"status":"STATUS_ON_HOLD"}`}
		}},
		{name: "DeleteElement", need: planner, prepare: func(f *fixture) call {
			e1, e2 := f.element(false), f.element(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.DeleteElement(ctx, &planningpb.DeleteElementRequest{Name: e1})
				return err
			}, "DELETE", "/v1/" + e2, ""}
		}},
		{name: "UndeleteElement", need: planner, prepare: func(f *fixture) call {
			e1, e2 := f.element(true), f.element(true)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.elements.UndeleteElement(ctx, &planningpb.UndeleteElementRequest{Name: e1})
				return err
			}, "POST", "/v1/" + e2 + ":undelete", "{}"}
		}},
		{name: "GetCheckIn", need: viewer, prepare: func(f *fixture) call {
			ci := f.checkIn()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.checkIns.GetCheckIn(ctx, &planningpb.GetCheckInRequest{Name: ci})
				return err
			}, "GET", "/v1/" + ci, ""}
		}},
		{name: "ListCheckIns", need: viewer, prepare: func(f *fixture) call {
			el := f.element(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.checkIns.ListCheckIns(ctx, &planningpb.ListCheckInsRequest{Parent: el})
				return err
			}, "GET", "/v1/" + el + "/checkIns", ""}
		}},
		{name: "CreateCheckIn", need: contributor, prepare: func(f *fixture) call {
			el := f.element(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.checkIns.CreateCheckIn(ctx, &planningpb.CreateCheckInRequest{Parent: el,
					CheckIn: &planningpb.CheckIn{Assessment: planningpb.Health_HEALTH_ON_TRACK, Summary: "fine"}})
				return err
			}, "POST", "/v1/" + el + "/checkIns", `{"assessment":"HEALTH_AT_RISK","summary":"slower"}`}
		}},
		{name: "GetComment", need: viewer, prepare: func(f *fixture) call {
			cm := f.comment(f.admin)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.comments.GetComment(ctx, &planningpb.GetCommentRequest{Name: cm})
				return err
			}, "GET", "/v1/" + cm, ""}
		}},
		{name: "ListComments", need: viewer, prepare: func(f *fixture) call {
			el := f.element(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.comments.ListComments(ctx, &planningpb.ListCommentsRequest{Parent: el})
				return err
			}, "GET", "/v1/" + el + "/comments", ""}
		}},
		{name: "CreateComment", need: contributor, prepare: func(f *fixture) call {
			el := f.element(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.comments.CreateComment(ctx, &planningpb.CreateCommentRequest{Parent: el, Comment: &planningpb.Comment{Text: "hm"}})
				return err
			}, "POST", "/v1/" + el + "/comments", `{"text":"hm"}`}
		}},
		// A comment's author alone changes it: the platform admin's
		// comments are refused to every role of org-a.
		{name: "UpdateComment", need: contributor, authorOnly: true, prepare: func(f *fixture) call {
			c1, c2 := f.comment(f.admin), f.comment(f.admin)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.comments.UpdateComment(ctx, &planningpb.UpdateCommentRequest{Comment: &planningpb.Comment{Name: c1, Text: "again"}, UpdateMask: mask("text")})
				return err
			}, "PATCH", "/v1/" + c2, `{"text":"again"}`}
		}},
		{name: "DeleteComment", need: contributor, authorOnly: true, prepare: func(f *fixture) call {
			c1, c2 := f.comment(f.admin), f.comment(f.admin)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.comments.DeleteComment(ctx, &planningpb.DeleteCommentRequest{Name: c1})
				return err
			}, "DELETE", "/v1/" + c2, ""}
		}},
		{name: "GetWork", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.work.GetWork(ctx, &planningpb.GetWorkRequest{Name: org + "/people/contributor"})
				return err
			}, "GET", "/v1/" + org + "/people/contributor:work", ""}
		}},
		{name: "GetDigest", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.digest.GetDigest(ctx, &planningpb.GetDigestRequest{Name: org, Since: timestamppb.New(time.Now().Add(-time.Hour))})
				return err
			}, "GET", "/v1/" + org + ":digest?since=2026-01-01T00:00:00Z", ""}
		}},
		{name: "GetKpi", need: viewer, prepare: func(f *fixture) call {
			k := f.kpi(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.kpis.GetKpi(ctx, &kpispb.GetKpiRequest{Name: k})
				return err
			}, "GET", "/v1/" + k, ""}
		}},
		{name: "ListKpis", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.kpis.ListKpis(ctx, &kpispb.ListKpisRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/kpis", ""}
		}},
		{name: "CreateKpi", need: planner, prepare: func(f *fixture) call {
			k1, k2 := newKpi(f), newKpi(f)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.kpis.CreateKpi(ctx, &kpispb.CreateKpiRequest{Parent: org, Kpi: k1})
				return err
			}, "POST", "/v1/" + org + "/kpis", restJSON(k2)}
		}},
		{name: "UpdateKpi", need: planner, prepare: func(f *fixture) call {
			k := f.kpi(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.kpis.UpdateKpi(ctx, &kpispb.UpdateKpiRequest{Kpi: &kpispb.Kpi{Name: k, Title: "x"}, UpdateMask: mask("title")})
				return err
			}, "PATCH", "/v1/" + k, `{"title":"y"}`}
		}},
		{name: "DeleteKpi", need: planner, prepare: func(f *fixture) call {
			k1, k2 := f.kpi(false), f.kpi(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.kpis.DeleteKpi(ctx, &kpispb.DeleteKpiRequest{Name: k1})
				return err
			}, "DELETE", "/v1/" + k2, ""}
		}},
		{name: "UndeleteKpi", need: planner, prepare: func(f *fixture) call {
			k1, k2 := f.kpi(true), f.kpi(true)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.kpis.UndeleteKpi(ctx, &kpispb.UndeleteKpiRequest{Name: k1})
				return err
			}, "POST", "/v1/" + k2 + ":undelete", "{}"}
		}},
		{name: "GetMeasurement", need: viewer, prepare: func(f *fixture) call {
			m := f.measurement(f.kpi(false))
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.measures.GetMeasurement(ctx, &kpispb.GetMeasurementRequest{Name: m})
				return err
			}, "GET", "/v1/" + m, ""}
		}},
		{name: "ListMeasurements", need: viewer, prepare: func(f *fixture) call {
			k := f.kpi(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.measures.ListMeasurements(ctx, &kpispb.ListMeasurementsRequest{Parent: k})
				return err
			}, "GET", "/v1/" + k + "/measurements", ""}
		}},
		{name: "ExportMeasurements", need: viewer, prepare: func(f *fixture) call {
			k := f.kpi(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.measures.ExportMeasurements(ctx, &kpispb.ExportMeasurementsRequest{Parent: k})
				return err
			}, "GET", "/v1/" + k + "/measurements:export", ""}
		}},
		{name: "CreateMeasurement", need: contributor, prepare: func(f *fixture) call {
			k := f.kpi(false)
			m1, m2 := f.month(), f.month()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.measures.CreateMeasurement(ctx, &kpispb.CreateMeasurementRequest{Parent: k, Measurement: &kpispb.Measurement{PeriodEnd: m1, Value: proto.Float64(1)}})
				return err
			}, "POST", "/v1/" + k + "/measurements", `{"period_end":` + protojson.Format(m2) + `,"value":2}`}
		}},
		{name: "UpdateMeasurement", need: contributor, prepare: func(f *fixture) call {
			m := f.measurement(f.kpi(false))
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.measures.UpdateMeasurement(ctx, &kpispb.UpdateMeasurementRequest{Measurement: &kpispb.Measurement{Name: m, Value: proto.Float64(2)}, UpdateMask: mask("value")})
				return err
			}, "PATCH", "/v1/" + m, `{"value":3}`}
		}},
		{name: "DeleteMeasurement", need: contributor, prepare: func(f *fixture) call {
			k := f.kpi(false)
			m1, m2 := f.measurement(k), f.measurement(k)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.measures.DeleteMeasurement(ctx, &kpispb.DeleteMeasurementRequest{Name: m1})
				return err
			}, "DELETE", "/v1/" + m2, ""}
		}},
		{name: "BatchCreateMeasurements", need: contributor, prepare: func(f *fixture) call {
			k := f.kpi(false)
			m1, m2 := f.month(), f.month()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.measures.BatchCreateMeasurements(ctx, &kpispb.BatchCreateMeasurementsRequest{Parent: org,
					Requests: []*kpispb.CreateMeasurementRequest{{Parent: k, Measurement: &kpispb.Measurement{PeriodEnd: m1, Value: proto.Float64(1)}}}})
				return err
			}, "POST", "/v1/" + org + "/kpis/-/measurements:batchCreate",
				`{"requests":[{"parent":"` + k + `","measurement":{"period_end":` + protojson.Format(m2) + `,"value":2}}]}`}
		}},
		{name: "ImportMeasurements", need: contributor, prepare: func(f *fixture) call {
			k := f.kpi(false)
			csv := func(d *date.Date) []byte {
				return fmt.Appendf(nil, "period_end,value\n%04d-%02d-%02d,1\n", d.Year, d.Month, d.Day)
			}
			file := &httpbody.HttpBody{ContentType: "text/csv", Data: csv(f.month())}
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.measures.ImportMeasurements(ctx, &kpispb.ImportMeasurementsRequest{Parent: k,
					Csv: &httpbody.HttpBody{ContentType: "text/csv", Data: csv(f.month())}})
				return err
			}, "POST", "/v1/" + k + "/measurements:import", restJSON(file)}
		}},
		{name: "GetOrganisation", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.orgs.GetOrganisation(ctx, &orgpb.GetOrganisationRequest{Name: org})
				return err
			}, "GET", "/v1/" + org, ""}
		}},
		{name: "ListOrganisations", open: true, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.orgs.ListOrganisations(ctx, &orgpb.ListOrganisationsRequest{})
				return err
			}, "GET", "/v1/organisations", ""}
		}},
		{name: "CreateOrganisation", platform: true, prepare: func(f *fixture) call {
			id := f.id("org")
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.orgs.CreateOrganisation(ctx, &orgpb.CreateOrganisationRequest{OrganisationId: id,
					Organisation: &orgpb.Organisation{DisplayName: "x", Kind: orgpb.Organisation_KIND_OTHER}})
				return err
			}, "POST", "/v1/organisations?organisation_id=" + id, `{"display_name":"x","kind":"KIND_OTHER"}`}
		}},
		{name: "UpdateOrganisation", need: admin, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.orgs.UpdateOrganisation(ctx, &orgpb.UpdateOrganisationRequest{
					Organisation: &orgpb.Organisation{Name: org, Description: "changed"}, UpdateMask: mask("description")})
				return err
			}, "PATCH", "/v1/" + org, `{"description":"changed via REST"}`}
		}},
		{name: "DeleteOrganisation", platform: true, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.orgs.DeleteOrganisation(ctx, &orgpb.DeleteOrganisationRequest{Name: org})
				return err
			}, "DELETE", "/v1/" + org, ""}
		}},
		{name: "UndeleteOrganisation", platform: true, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.orgs.UndeleteOrganisation(ctx, &orgpb.UndeleteOrganisationRequest{Name: org})
				return err
			}, "POST", "/v1/" + org + ":undelete", "{}"}
		}},
		{name: "GetPerson", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.people.GetPerson(ctx, &orgpb.GetPersonRequest{Name: org + "/people/viewer"})
				return err
			}, "GET", "/v1/" + org + "/people/viewer", ""}
		}},
		{name: "ListPeople", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.people.ListPeople(ctx, &orgpb.ListPeopleRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/people", ""}
		}},
		{name: "CreatePerson", need: admin, prepare: func(f *fixture) call {
			id := f.id("new")
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.people.CreatePerson(ctx, &orgpb.CreatePersonRequest{Parent: org, PersonId: id,
					Person: &orgpb.Person{DisplayName: id, Email: id + "@grpc.example"}})
				return err
			}, "POST", "/v1/" + org + "/people?person_id=" + id + "-rest", `{"display_name":"x","email":"` + id + `@rest.example"}`}
		}},
		{name: "UpdatePerson", need: admin, prepare: func(f *fixture) call {
			p := f.person(org, f.id("upd"), 0, "")
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.people.UpdatePerson(ctx, &orgpb.UpdatePersonRequest{Person: &orgpb.Person{Name: p, JobTitle: "x"}, UpdateMask: mask("job_title")})
				return err
			}, "PATCH", "/v1/" + p, `{"job_title":"y"}`}
		}},
		{name: "DeletePerson", need: admin, prepare: func(f *fixture) call {
			p1, p2 := f.person(org, f.id("del"), 0, ""), f.person(org, f.id("del"), 0, "")
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.people.DeletePerson(ctx, &orgpb.DeletePersonRequest{Name: p1})
				return err
			}, "DELETE", "/v1/" + p2, ""}
		}},
		{name: "UndeletePerson", need: admin, prepare: func(f *fixture) call {
			p1, p2 := f.person(org, f.id("und"), 0, ""), f.person(org, f.id("und"), 0, "")
			for _, p := range []string{p1, p2} {
				_, err := f.admin.people.DeletePerson(context.Background(), &orgpb.DeletePersonRequest{Name: p})
				f.must(err)
			}
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.people.UndeletePerson(ctx, &orgpb.UndeletePersonRequest{Name: p1})
				return err
			}, "POST", "/v1/" + p2 + ":undelete", "{}"}
		}},
		{name: "CreateApiToken", need: admin, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.access.CreateApiToken(ctx, &orgpb.CreateApiTokenRequest{Parent: org,
					ApiToken: &orgpb.ApiToken{DisplayName: "x", Role: identitypb.Role_ROLE_VIEWER}})
				return err
			}, "POST", "/v1/" + org + "/apiTokens", `{"display_name":"x","role":"ROLE_VIEWER"}`}
		}},
		{name: "GetApiToken", need: admin, prepare: func(f *fixture) call {
			tok := f.token()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.access.GetApiToken(ctx, &orgpb.GetApiTokenRequest{Name: tok})
				return err
			}, "GET", "/v1/" + tok, ""}
		}},
		{name: "ListApiTokens", need: admin, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.access.ListApiTokens(ctx, &orgpb.ListApiTokensRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/apiTokens", ""}
		}},
		{name: "DeleteApiToken", need: admin, prepare: func(f *fixture) call {
			t1, t2 := f.token(), f.token()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.access.DeleteApiToken(ctx, &orgpb.DeleteApiTokenRequest{Name: t1})
				return err
			}, "DELETE", "/v1/" + t2, ""}
		}},
		{name: "CreateWebhook", need: admin, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.webhooks.CreateWebhook(ctx, &orgpb.CreateWebhookRequest{Parent: org, Webhook: newWebhook()})
				return err
			}, "POST", "/v1/" + org + "/webhooks", `{"display_name":"w","url":"https://8.8.8.8/hook"}`}
		}},
		{name: "GetWebhook", need: admin, prepare: func(f *fixture) call {
			w := f.webhook()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.webhooks.GetWebhook(ctx, &orgpb.GetWebhookRequest{Name: w})
				return err
			}, "GET", "/v1/" + w, ""}
		}},
		{name: "ListWebhooks", need: admin, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.webhooks.ListWebhooks(ctx, &orgpb.ListWebhooksRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/webhooks", ""}
		}},
		{name: "UpdateWebhook", need: admin, prepare: func(f *fixture) call {
			w := f.webhook()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.webhooks.UpdateWebhook(ctx, &orgpb.UpdateWebhookRequest{Webhook: &orgpb.Webhook{Name: w, DisplayName: "renamed"}, UpdateMask: mask("display_name")})
				return err
			}, "PATCH", "/v1/" + w + "?update_mask=display_name", `{"display_name":"renamed again"}`}
		}},
		{name: "DeleteWebhook", need: admin, prepare: func(f *fixture) call {
			w1, w2 := f.webhook(), f.webhook()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.webhooks.DeleteWebhook(ctx, &orgpb.DeleteWebhookRequest{Name: w1})
				return err
			}, "DELETE", "/v1/" + w2, ""}
		}},
		{name: "TestWebhook", need: admin, prepare: func(f *fixture) call {
			w := f.webhook()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.webhooks.TestWebhook(ctx, &orgpb.TestWebhookRequest{Name: w})
				return err
			}, "POST", "/v1/" + w + ":test", `{}`}
		}},
		{name: "ListDeliveries", need: admin, prepare: func(f *fixture) call {
			w := f.webhook()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.webhooks.ListDeliveries(ctx, &orgpb.ListDeliveriesRequest{Parent: w})
				return err
			}, "GET", "/v1/" + w + "/deliveries", ""}
		}},
		{name: "GetPublication", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.publication.GetPublication(ctx, &planningpb.GetPublicationRequest{Name: org + "/publication"})
				return err
			}, "GET", "/v1/" + org + "/publication", ""}
		}},
		{name: "UpdatePublication", need: admin, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.publication.UpdatePublication(ctx, &planningpb.UpdatePublicationRequest{Publication: &planningpb.Publication{
					Name: org + "/publication", Licence: "CC-BY-4.0"}, UpdateMask: mask("licence")})
				return err
			}, "PATCH", "/v1/" + org + "/publication?update_mask=licence", `{"licence":"OGL-UK-3.0"}`}
		}},
		{name: "GetPublishedPlan", public: true, prepare: func(f *fixture) call {
			f.publish()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.publication.GetPublishedPlan(ctx, &planningpb.GetPublishedPlanRequest{Name: org + "/publication"})
				return err
			}, "GET", "/v1/" + org + "/publication:plan", ""}
		}},
		{name: "ListPublishedKpis", public: true, prepare: func(f *fixture) call {
			f.publish()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.kpis.ListPublishedKpis(ctx, &kpispb.ListPublishedKpisRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/publishedKpis", ""}
		}},
		{name: "GetCaller", open: true, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.callers.GetCaller(ctx, &identitypb.GetCallerRequest{})
				return err
			}, "GET", "/v1/caller", ""}
		}},
		{name: "GetTeam", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.teams.GetTeam(ctx, &teamspb.GetTeamRequest{Name: org + "/teams/t"})
				return err
			}, "GET", "/v1/" + org + "/teams/t", ""}
		}},
		{name: "ListTeams", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.teams.ListTeams(ctx, &teamspb.ListTeamsRequest{Parent: org})
				return err
			}, "GET", "/v1/" + org + "/teams", ""}
		}},
		{name: "CreateTeam", need: admin, prepare: func(f *fixture) call {
			id := f.id("created")
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.teams.CreateTeam(ctx, &teamspb.CreateTeamRequest{Parent: org, TeamId: id,
					Team: &teamspb.Team{DisplayName: "x", Kind: teamspb.Team_KIND_PROJECT}})
				return err
			}, "POST", "/v1/" + org + "/teams?team_id=" + id + "-rest", `{"display_name":"x","kind":"KIND_PROJECT"}`}
		}},
		{name: "UpdateTeam", need: admin, prepare: func(f *fixture) call {
			tm := f.team(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.teams.UpdateTeam(ctx, &teamspb.UpdateTeamRequest{Team: &teamspb.Team{Name: tm, Purpose: "x"}, UpdateMask: mask("purpose")})
				return err
			}, "PATCH", "/v1/" + tm, `{"purpose":"y"}`}
		}},
		{name: "DeleteTeam", need: admin, prepare: func(f *fixture) call {
			t1, t2 := f.team(false), f.team(false)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.teams.DeleteTeam(ctx, &teamspb.DeleteTeamRequest{Name: t1})
				return err
			}, "DELETE", "/v1/" + t2, ""}
		}},
		{name: "UndeleteTeam", need: admin, prepare: func(f *fixture) call {
			t1, t2 := f.team(true), f.team(true)
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.teams.UndeleteTeam(ctx, &teamspb.UndeleteTeamRequest{Name: t1})
				return err
			}, "POST", "/v1/" + t2 + ":undelete", "{}"}
		}},
		{name: "ListTeamAncestors", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.teams.ListTeamAncestors(ctx, &teamspb.ListTeamAncestorsRequest{Name: org + "/teams/t"})
				return err
			}, "GET", "/v1/" + org + "/teams/t:ancestors", ""}
		}},
		{name: "GetTeamSubtree", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.teams.GetTeamSubtree(ctx, &teamspb.GetTeamSubtreeRequest{Name: org + "/teams/t"})
				return err
			}, "GET", "/v1/" + org + "/teams/t:subtree", ""}
		}},
		{name: "GetMember", need: viewer, prepare: func(f *fixture) call {
			m := f.member()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.members.GetMember(ctx, &teamspb.GetMemberRequest{Name: m})
				return err
			}, "GET", "/v1/" + m, ""}
		}},
		{name: "ListMembers", need: viewer, prepare: func(f *fixture) call {
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.members.ListMembers(ctx, &teamspb.ListMembersRequest{Parent: org + "/teams/-"})
				return err
			}, "GET", "/v1/" + org + "/teams/-/members", ""}
		}},
		{name: "CreateMember", need: admin, prepare: func(f *fixture) call {
			p1, p2 := f.person(org, f.id("join"), 0, ""), f.person(org, f.id("join"), 0, "")
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.members.CreateMember(ctx, &teamspb.CreateMemberRequest{Parent: org + "/teams/t",
					Member: &teamspb.Member{Person: p1, Role: teamspb.Member_ROLE_MEMBER}})
				return err
			}, "POST", "/v1/" + org + "/teams/t/members", `{"person":"` + p2 + `","role":"ROLE_MEMBER"}`}
		}},
		{name: "UpdateMember", need: admin, prepare: func(f *fixture) call {
			m := f.member()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.members.UpdateMember(ctx, &teamspb.UpdateMemberRequest{Member: &teamspb.Member{Name: m, Role: teamspb.Member_ROLE_LEAD}, UpdateMask: mask("role")})
				return err
			}, "PATCH", "/v1/" + m, `{"role":"ROLE_SPONSOR"}`}
		}},
		{name: "DeleteMember", need: admin, prepare: func(f *fixture) call {
			m1, m2 := f.member(), f.member()
			return call{func(ctx context.Context, c *clients) error {
				_, err := c.members.DeleteMember(ctx, &teamspb.DeleteMemberRequest{Name: m1})
				return err
			}, "DELETE", "/v1/" + m2, ""}
		}},
	}
}

// caller is one kind of credential in the matrix.
type caller struct {
	name  string
	token string
	// role is the caller's role in org-a; valid is false for credentials
	// that must be refused outright.
	role  identitypb.Role
	valid bool
}

// TestAuthorisationMatrix makes every RPC of every service as each kind of
// caller, over gRPC and through the gateway, and checks the answer the
// policy promises: UNAUTHENTICATED/401 for bad credentials, NOT_FOUND/404
// for a caller with no role in the organisation (as if it did not exist),
// PERMISSION_DENIED/403 for too small a role, success otherwise.
func TestAuthorisationMatrix(t *testing.T) {
	b, gw, f := startFixture(t)
	other := authtest.New(t) // an issuer the services do not trust
	callers := []caller{
		{name: "no token"},
		{name: "expired token", token: b.auth.TokenUntil(t, "admin", time.Now().Add(-2*time.Minute))},
		{name: "token signed by another key", token: other.Token(t, "admin")},
		{name: "wrong audience", token: b.auth.Sign(t, jwt.Claims{Subject: "admin", Audience: []string{"elsewhere"}, ExpiresAt: time.Now().Add(time.Hour)})},
		{name: "garbage", token: "not-a-token"},
		{name: "viewer", token: b.auth.Token(t, "viewer"), role: identitypb.Role_ROLE_VIEWER, valid: true},
		{name: "contributor", token: b.auth.Token(t, "contributor"), role: identitypb.Role_ROLE_CONTRIBUTOR, valid: true},
		{name: "planner", token: b.auth.Token(t, "planner"), role: identitypb.Role_ROLE_PLANNER, valid: true},
		{name: "admin", token: b.auth.Token(t, "admin"), role: identitypb.Role_ROLE_ADMIN, valid: true},
		{name: "admin of another organisation", token: b.auth.Token(t, "admin-b"), valid: true},
		{name: "admin of an owner", token: b.auth.Token(t, "owner-admin"), role: identitypb.Role_ROLE_VIEWER, valid: true},
	}
	ctx := context.Background()
	for _, rc := range rpcCases() {
		for _, cl := range callers {
			want := expected(rc, cl)
			t.Run(rc.name+"/"+cl.name, func(t *testing.T) {
				c := rc.prepare(f)
				err := c.grpc(ctx, newClients(t, b.addr, cl.token))
				if got := status.Code(err); got != want {
					t.Errorf("gRPC: %v (%v), want %v", got, err, want)
				}
				r := do(t, &api{Server: gw.Server, token: cl.token}, c.method, c.path, c.body)
				if wantHTTP := httpStatus(want); (wantHTTP == 200 && (r.code < 200 || r.code > 299)) || (wantHTTP != 200 && r.code != wantHTTP) {
					t.Errorf("HTTP %s %s: %d %s, want %d", c.method, c.path, r.code, r.raw, wantHTTP)
				}
				if want == codes.Unauthenticated && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without a WWW-Authenticate challenge: %v", r.header)
				}
			})
		}
	}
}

// startFixture runs the services and a gateway (with no default token) and
// seeds org-a, org-b and org-owner, which owns org-a: a person of each role
// in org-a, whose external subjects are the role names, a team t, org-b's
// admin, admin-b, and org-owner's, owner-admin.
func startFixture(t *testing.T) (backend, *api, *fixture) {
	return startFixtureOn(t, sqldbtest.SQLiteDSN)
}

// startFixtureOn is startFixture with each service's database from newDSN.
func startFixtureOn(t *testing.T, newDSN func(t *testing.T) string) (backend, *api, *fixture) {
	b := startServicesOn(t, newDSN)
	gw := startGateway(t, b.config(), "")
	f := &fixture{t: t, admin: newClients(t, b.addr, b.admin)}
	ctx := context.Background()
	// org-owner owns org-a: its admin reads org-a as a viewer.
	for _, o := range []struct {
		id     string
		owners []string
	}{{"org-owner", nil}, {"org-a", []string{"organisations/org-owner"}}, {"org-b", nil}} {
		_, err := f.admin.orgs.CreateOrganisation(ctx, &orgpb.CreateOrganisationRequest{OrganisationId: o.id,
			Organisation: &orgpb.Organisation{DisplayName: o.id, Kind: orgpb.Organisation_KIND_COUNCIL, Owners: o.owners}})
		f.must(err)
	}
	roles := map[string]identitypb.Role{"viewer": identitypb.Role_ROLE_VIEWER, "contributor": identitypb.Role_ROLE_CONTRIBUTOR,
		"planner": identitypb.Role_ROLE_PLANNER, "admin": identitypb.Role_ROLE_ADMIN}
	for name, role := range roles {
		f.person("organisations/org-a", name, role, name)
	}
	f.person("organisations/org-b", "admin-b", identitypb.Role_ROLE_ADMIN, "admin-b")
	f.person("organisations/org-owner", "owner-admin", identitypb.Role_ROLE_ADMIN, "owner-admin")
	_, err := f.admin.teams.CreateTeam(ctx, &teamspb.CreateTeamRequest{Parent: "organisations/org-a", TeamId: "t",
		Team: &teamspb.Team{DisplayName: "t", Kind: teamspb.Team_KIND_LEADERSHIP}})
	f.must(err)
	// The contributor is in team t, which owns the plan's elements: they
	// may update their status and progress.
	_, err = f.admin.members.CreateMember(ctx, &teamspb.CreateMemberRequest{Parent: "organisations/org-a/teams/t",
		Member: &teamspb.Member{Person: "organisations/org-a/people/contributor", Role: teamspb.Member_ROLE_MEMBER}})
	f.must(err)

	return b, gw, f
}

// TestListsAreIsolated lists as the admins of two organisations: each sees
// its own organisation only, and the other's collections do not exist.
func TestListsAreIsolated(t *testing.T) {
	b, _, f := startFixture(t)
	f.person("organisations/org-b", "someone-b", 0, "")
	ctx := context.Background()
	for _, tc := range []struct{ subject, own, other string }{
		{"admin", "organisations/org-a", "organisations/org-b"},
		{"admin-b", "organisations/org-b", "organisations/org-a"},
	} {
		c := newClients(t, b.addr, b.auth.Token(t, tc.subject))
		orgs, err := c.orgs.ListOrganisations(ctx, &orgpb.ListOrganisationsRequest{ShowDeleted: true})
		if err != nil || len(orgs.Organisations) != 1 || orgs.Organisations[0].Name != tc.own {
			t.Errorf("%s lists organisations %v, %v; want only %s", tc.subject, orgs, err, tc.own)
		}
		people, err := c.people.ListPeople(ctx, &orgpb.ListPeopleRequest{Parent: tc.own})
		if err != nil || len(people.People) == 0 {
			t.Fatalf("%s lists its own people: %v, %v", tc.subject, people, err)
		}
		for _, p := range people.People {
			if !strings.HasPrefix(p.Name, tc.own+"/") {
				t.Errorf("%s sees %s", tc.subject, p.Name)
			}
		}
		for _, err := range []error{
			second(c.people.ListPeople(ctx, &orgpb.ListPeopleRequest{Parent: tc.other})),
			second(c.teams.ListTeams(ctx, &teamspb.ListTeamsRequest{Parent: tc.other})),
			second(c.members.ListMembers(ctx, &teamspb.ListMembersRequest{Parent: tc.other + "/teams/-"})),
			second(c.access.ListApiTokens(ctx, &orgpb.ListApiTokensRequest{Parent: tc.other})),
			second(c.elements.ListElements(ctx, &planningpb.ListElementsRequest{Parent: tc.other})),
			second(c.kpis.ListKpis(ctx, &kpispb.ListKpisRequest{Parent: tc.other})),
		} {
			if status.Code(err) != codes.NotFound {
				t.Errorf("%s listing in %s: %v, want NOT_FOUND", tc.subject, tc.other, err)
			}
		}
	}
}

func second[T any](_ T, err error) error { return err }

// expected is the code the policy promises rc called by cl.
func expected(rc rpcCase, cl caller) codes.Code {
	switch {
	case rc.public:
		return codes.OK
	case !cl.valid:
		return codes.Unauthenticated
	case rc.open:
		return codes.OK
	case rc.platform:
		return codes.PermissionDenied
	case cl.role == identitypb.Role_ROLE_UNSPECIFIED:
		return codes.NotFound
	case cl.role < rc.need, rc.authorOnly:
		return codes.PermissionDenied
	}
	return codes.OK
}

func httpStatus(c codes.Code) int {
	switch c {
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound:
		return http.StatusNotFound
	}
	return http.StatusOK
}

// TestIdempotentReplays sends every create with a request_id as the admins
// of two organisations: the same key in the same organisation replays the
// first call's resource, and in the other organisation makes that
// organisation's own resource, never answering with the first one; the same
// key with another request is a 400 naming request_id (AIP-155).
func TestIdempotentReplays(t *testing.T) {
	b, gw, f := startFixture(t)
	ctx := context.Background()
	// org-b gets what org-a has: a team t, a person to join it, a vision and
	// a KPI on it; org-a gets its own of the last three.
	_, err := f.admin.teams.CreateTeam(ctx, &teamspb.CreateTeamRequest{Parent: "organisations/org-b", TeamId: "t",
		Team: &teamspb.Team{DisplayName: "t", Kind: teamspb.Team_KIND_LEADERSHIP}})
	f.must(err)
	for _, org := range []string{"organisations/org-a", "organisations/org-b"} {
		f.person(org, "joiner", 0, "")
		_, err := f.admin.elements.CreateElement(ctx, &planningpb.CreateElementRequest{Parent: org, ElementId: "v",
			Element: &planningpb.Element{Level: planningpb.Level_LEVEL_VISION, Title: "v", OwnerTeam: org + "/teams/t",
				StartDate: &date.Date{Year: 2026, Month: 1, Day: 1}, EndDate: &date.Date{Year: 2030, Month: 12, Day: 31}}})
		f.must(err)
		k := newKpi(f)
		k.Element, k.OwnerTeam = org+"/elements/v", org+"/teams/t"
		_, err = f.admin.kpis.CreateKpi(ctx, &kpispb.CreateKpiRequest{Parent: org, KpiId: "k", Kpi: k})
		f.must(err)
	}
	// Each case is a collection under an organisation and a request body
	// for it; title makes two different requests.
	cases := []struct {
		name, collection string
		body             func(org, title string) string
	}{
		{"person", "/people", func(org, title string) string {
			return `{"display_name":"` + title + `","email":"` + title + `@x.example"}`
		}},
		{"team", "/teams", func(org, title string) string { return `{"display_name":"` + title + `","kind":"KIND_PROJECT"}` }},
		{"member", "/teams/t/members", func(org, title string) string {
			role := map[string]string{"first": "ROLE_MEMBER", "second": "ROLE_LEAD"}[title]
			return `{"person":"` + org + `/people/joiner","role":"` + role + `"}`
		}},
		{"element", "/elements", func(org, title string) string {
			return `{"level":"LEVEL_MISSION","title":"` + title + `","owner_team":"` + org + `/teams/t","parent":"` + org + `/elements/v",` +
				`"start_date":{"year":2026,"month":1,"day":1},"end_date":{"year":2030,"month":12,"day":31}}`
		}},
		{"kpi", "/kpis", func(org, title string) string {
			return `{"title":"` + title + `","unit":"UNIT_COUNT","direction":"DIRECTION_HIGHER_IS_BETTER","frequency":"FREQUENCY_MONTHLY",` +
				`"thresholds":{"kind":"KIND_ABSOLUTE","green_within":1,"amber_within":2},` +
				`"targets":[{"period_end":{"year":2030,"month":12,"day":31},"value":10}],` +
				`"element":"` + org + `/elements/v","owner_team":"` + org + `/teams/t"}`
		}},
		{"measurement", "/kpis/k/measurements", func(org, title string) string {
			return `{"period_end":{"year":2026,"month":1,"day":31},"value":1,"note":"` + title + `"}`
		}},
	}
	a := &api{Server: gw.Server, token: b.auth.Token(t, "admin")}
	bAdmin := &api{Server: gw.Server, token: b.auth.Token(t, "admin-b")}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			create := func(srv *api, org, title string) reply {
				return do(t, srv, "POST", "/v1/"+org+tc.collection+"?request_id=shared-key", tc.body(org, title))
			}
			first := create(a, "organisations/org-a", "first").want(t, 200, "")
			if got := create(a, "organisations/org-a", "first").want(t, 200, ""); got.str("name") != first.str("name") {
				t.Errorf("replay in org-a made %s, want %s", got.str("name"), first.str("name"))
			}
			other := create(bAdmin, "organisations/org-b", "first").want(t, 200, "")
			if !strings.HasPrefix(other.str("name"), "organisations/org-b/") {
				t.Errorf("org-b's create with org-a's key answered %s: %s", other.str("name"), other.raw)
			}
			if strings.Contains(other.raw, "org-a") {
				t.Errorf("org-b's create answered with org-a's data: %s", other.raw)
			}
			if got := create(bAdmin, "organisations/org-b", "first").want(t, 200, ""); got.str("name") != other.str("name") {
				t.Errorf("replay in org-b made %s, want %s", got.str("name"), other.str("name"))
			}
			create(a, "organisations/org-a", "second").want(t, 400, "request_id")
		})
	}
}

// TestOwnersArePlatforms has org-a's admin claim owners for org-a: refused
// the same way whether the claimed owner exists or not, so the answer says
// nothing about other organisations; the platform admin may set them.
func TestOwnersArePlatforms(t *testing.T) {
	b, gw, _ := startFixture(t)
	admin := &api{Server: gw.Server, token: b.auth.Token(t, "admin")}
	var answers []string
	for _, owner := range []string{"organisations/org-b", "organisations/no-such-organisation"} {
		r := do(t, admin, "PATCH", "/v1/organisations/org-a?update_mask=owners", `{"owners":["`+owner+`"]}`).want(t, 403, "platform admin")
		answers = append(answers, r.raw)
	}
	if answers[0] != answers[1] {
		t.Errorf("the answers tell an existing organisation from a missing one:\n%s\n%s", answers[0], answers[1])
	}
	do(t, admin, "GET", "/v1/organisations/org-a", "").want(t, 200, "")
	if r := do(t, admin, "GET", "/v1/organisations/org-a", ""); strings.Contains(r.raw, "org-b") {
		t.Errorf("org-a's owners changed: %s", r.raw)
	}
	// Other fields stay the organisation admin's, owners unchanged included.
	do(t, admin, "PATCH", "/v1/organisations/org-a?update_mask=display_name,owners", `{"display_name":"Org A","owners":["organisations/org-owner"]}`).want(t, 200, "Org A")
	platform := &api{Server: gw.Server, token: b.admin}
	do(t, platform, "PATCH", "/v1/organisations/org-a?update_mask=owners", `{"owners":["organisations/org-b"]}`).want(t, 200, "organisations/org-b")
}

// TestMembershipTerms: a contributor may update the elements of a team they
// are a member of only while their membership's term holds: not before its
// start_date, not after its end_date (which a create keeps).
func TestMembershipTerms(t *testing.T) {
	b, gw, f := startFixture(t)
	const org = "organisations/org-a"
	today := time.Now().UTC()
	day := func(d time.Time) string {
		return fmt.Sprintf(`{"year":%d,"month":%d,"day":%d}`, d.Year(), d.Month(), d.Day())
	}
	admin := &api{Server: gw.Server, token: b.admin}
	for _, tc := range []struct {
		who, term string
		want      int
	}{
		{"starts-tomorrow", `"start_date":` + day(today.AddDate(0, 0, 1)), 403},
		{"ended-yesterday", `"start_date":{"year":2020,"month":1,"day":1},"end_date":` + day(today.AddDate(0, 0, -1)), 403},
		{"ends-today", `"start_date":{"year":2020,"month":1,"day":1},"end_date":` + day(today), 200},
		{"open-ended", `"start_date":` + day(today), 200},
	} {
		t.Run(tc.who, func(t *testing.T) {
			f.person(org, tc.who, identitypb.Role_ROLE_CONTRIBUTOR, tc.who)
			m := do(t, admin, "POST", "/v1/"+org+"/teams/t/members", `{"person":"`+org+`/people/`+tc.who+`","role":"ROLE_MEMBER",`+tc.term+`}`).
				want(t, 200, "")
			if strings.Contains(tc.term, "end_date") && !strings.Contains(m.raw, `"end_date"`) {
				t.Errorf("the end date sent on create was dropped: %s", m.raw)
			}
			el := f.element(false)
			as := &api{Server: gw.Server, token: b.auth.Token(t, tc.who)}
			do(t, as, "PATCH", "/v1/"+el+"?update_mask=status", `{"status":"STATUS_ACTIVE"}`).want(t, tc.want, "")
		})
	}
	do(t, admin, "POST", "/v1/"+org+"/teams/t/members", `{"person":"`+f.person(org, "backwards", 0, "")+`","role":"ROLE_MEMBER",`+
		`"start_date":{"year":2026,"month":6,"day":1},"end_date":{"year":2026,"month":5,"day":31}}`).want(t, 400, "member.end_date")
}

// planHorizon is the JSON of the start and end dates of the elements
// planElement makes.
const planHorizon = `"start_date":{"year":2026,"month":1,"day":1},"end_date":{"year":2030,"month":12,"day":31}`

// planElement makes, as admin over REST, element id of org-a at level,
// owned by team, under parent, with extra JSON fields (",..." or "").
func planElement(t *testing.T, admin *api, id, level, team, parent, extra string) string {
	t.Helper()
	const org = "organisations/org-a"
	do(t, admin, "POST", "/v1/"+org+"/elements?element_id="+id, `{"level":"`+level+`","title":"`+id+`","owner_team":"`+org+`/teams/`+team+`",`+
		`"parent":"`+parent+`",`+planHorizon+extra+`}`).want(t, 200, "")
	return org + "/elements/" + id
}

// TestTeamLeads: over REST, a contributor who leads team t plans the "how"
// — a tactic of t under t's strategy — and is refused, naming the rule, for
// another team's strategy and for the vision, and once the membership has
// ended; a contributor leading nothing is refused too. (The planning
// service's tests cover gRPC, sub-teams, updates and deletions.)
func TestTeamLeads(t *testing.T) {
	b, gw, f := startFixture(t)
	const org = "organisations/org-a"
	admin := &api{Server: gw.Server, token: b.admin}
	vision := f.element(false)
	mission := planElement(t, admin, "lead-mission", "LEVEL_MISSION", "t", vision, "")
	objective := planElement(t, admin, "lead-objective", "LEVEL_OBJECTIVE", "t", mission, `,"objective_kind":"OBJECTIVE_KIND_STANDARD_OPERATING"`)
	ours := planElement(t, admin, "ours", "LEVEL_STRATEGY", "t", objective, "")
	other := f.team(false)
	theirs := planElement(t, admin, "theirs", "LEVEL_STRATEGY", path.Base(other), objective, "")

	f.person(org, "lead", identitypb.Role_ROLE_CONTRIBUTOR, "lead")
	m := do(t, admin, "POST", "/v1/"+org+"/teams/t/members", `{"person":"`+org+`/people/lead","role":"ROLE_LEAD","start_date":{"year":2020,"month":1,"day":1}}`).want(t, 200, "")
	lead := &api{Server: gw.Server, token: b.auth.Token(t, "lead")}
	tactic := func(as *api, id, parent string) reply {
		return do(t, as, "POST", "/v1/"+org+"/elements?element_id="+id, `{"level":"LEVEL_TACTIC","title":"`+id+`","owner_team":"`+org+`/teams/t",`+
			`"parent":"`+parent+`",`+planHorizon+`}`)
	}
	tactic(lead, "how", ours).want(t, 200, org+"/elements/how")
	tactic(lead, "not-ours", theirs).want(t, 403, "team leads plan under elements their teams own")
	do(t, lead, "PATCH", "/v1/"+vision+"?update_mask=title", `{"title":"ours now"}`).want(t, 403, "team leads plan strategies and tactics")

	f.person(org, "no-lead", identitypb.Role_ROLE_CONTRIBUTOR, "no-lead")
	tactic(&api{Server: gw.Server, token: b.auth.Token(t, "no-lead")}, "nobody", ours).want(t, 403, "you lead no team today")

	yesterday := time.Now().UTC().AddDate(0, 0, -1)
	do(t, admin, "PATCH", "/v1/"+m.str("name")+"?update_mask=end_date",
		fmt.Sprintf(`{"end_date":{"year":%d,"month":%d,"day":%d}}`, yesterday.Year(), yesterday.Month(), yesterday.Day())).want(t, 200, "")
	tactic(lead, "too-late", ours).want(t, 403, "you lead no team today")
}

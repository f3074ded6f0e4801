package planning_test

import (
	"fmt"
	"path"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
)

// testAcrossOrganisations: a shared-service company owned by a council
// threads its work up to the council's vision; an organisation that does
// not own it cannot be supported; the council's vision takes the
// company's health, across organisations; a caller of the company reads
// the council's elements in the thread as stubs.
func (e *env) testAcrossOrganisations(t *testing.T) {
	c := ctx(t)
	councilOrg, strangerOrg := e.org(t, "council"), e.org(t, "stranger")
	company, err := e.orgs.CreateOrganisation(c, &orgpb.CreateOrganisationRequest{OrganisationId: "company",
		Organisation: &orgpb.Organisation{DisplayName: "Company", Kind: orgpb.Organisation_KIND_SHARED_SERVICE_COMPANY, Owners: []string{councilOrg}}})
	if err != nil {
		t.Fatal(err)
	}
	vision := func(org, team string) string {
		return e.mustCreate(t, org, el{id: "vision", level: pb.Level_LEVEL_VISION, title: "A place to thrive", team: e.team(t, org, team, ""),
			start: day(2018, 1, 1), end: day(2030, 12, 31), status: pb.Status_STATUS_ACTIVE}).Name
	}
	councilVision, strangerVision := vision(councilOrg, "cabinet"), vision(strangerOrg, "board")
	board := e.team(t, company.Name, "board", "")
	companyVision := e.mustCreate(t, company.Name, el{id: "vision", level: pb.Level_LEVEL_VISION, title: "The councils' first choice",
		team: board, start: day(2018, 1, 1), end: day(2030, 12, 31), status: pb.Status_STATUS_ACTIVE}).Name
	mission := func(supports ...string) (*pb.Element, error) {
		return e.elements.CreateElement(c, &pb.CreateElementRequest{Parent: company.Name, ElementId: "mission", Element: &pb.Element{
			Level: pb.Level_LEVEL_MISSION, Title: "Deliver what we say", OwnerTeam: board, Parent: companyVision, Supports: supports,
			StartDate: day(2018, 1, 1), EndDate: day(2025, 12, 31), Status: pb.Status_STATUS_ACTIVE}})
	}

	// An organisation that does not own the company: refused, nothing stored.
	_, err = mission(strangerVision)
	apitest.WantCode(t, err, codes.FailedPrecondition, "element.supports")
	// The owner: the company's mission serves the council's vision.
	m, err := mission(councilVision)
	if err != nil {
		t.Fatalf("a company mission supporting its owner's vision: %v", err)
	}
	if !slices.Equal(m.Supports, []string{councilVision}) {
		t.Fatalf("supports = %v", m.Supports)
	}
	_, err = e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: m.Name, Supports: []string{councilVision, strangerVision}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"supports"}}})
	apitest.WantCode(t, err, codes.FailedPrecondition, "element.supports")

	objective := e.mustCreate(t, company.Name, el{id: "satisfaction", level: pb.Level_LEVEL_OBJECTIVE, title: "Customer satisfaction",
		team: board, parent: m.Name, start: day(2018, 1, 1), end: day(2025, 12, 31), status: pb.Status_STATUS_ACTIVE}).Name
	// Across organisations an element supports any higher level (plans
	// differ in grain), never its own or a lower one.
	_, err = e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: objective, Supports: []string{councilVision}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"supports"}}})
	if err != nil {
		t.Errorf("a company objective supporting its owner's vision: %v", err)
	}
	_, err = e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: companyVision, Supports: []string{councilVision}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"supports"}}})
	apitest.WantCode(t, err, codes.InvalidArgument, "element.supports")
	if _, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: objective},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"supports"}}}); err != nil {
		t.Fatal(err)
	}

	// A red KPI on the company's objective turns the council's vision off
	// track, and a green one back.
	status := func(s kpipb.KpiStatus, at time.Time, id string) {
		e.kpiEvent(t, id, &kpipb.KpiStatusChanged{Kpi: company.Name + "/kpis/first-contact", Element: objective, NewStatus: s, ChangeTime: timestamppb.New(at)})
	}
	status(kpipb.KpiStatus_KPI_STATUS_RED, time.Now(), "company-red")
	eventually(t, "the council's vision did not take the company's red", func() bool {
		return e.get(t, councilVision).Health == pb.Health_HEALTH_OFF_TRACK
	})
	// It says since when: the red is newer than the vision.
	if v := e.get(t, councilVision); v.HealthChangeTime == nil || !v.HealthChangeTime.AsTime().After(v.CreateTime.AsTime()) ||
		time.Since(v.HealthChangeTime.AsTime()) > time.Minute {
		t.Errorf("the council vision's health changed at %v (created %v), want just now", v.HealthChangeTime.AsTime(), v.CreateTime.AsTime())
	}
	if m := e.get(t, strangerVision); !m.HealthChangeTime.AsTime().Equal(m.CreateTime.AsTime()) {
		t.Errorf("an element whose health never changed: changed at %v, want its creation %v", m.HealthChangeTime.AsTime(), m.CreateTime.AsTime())
	}
	// The council sees which company element puts its vision off track.
	if d := e.get(t, councilVision).HealthDrivers; len(d) != 1 || d[0].Element != m.Name ||
		d[0].Link != pb.LinkKind_LINK_KIND_SUPPORTS || d[0].Health != pb.Health_HEALTH_OFF_TRACK {
		t.Errorf("the council vision's health drivers = %v, want the company's mission, supporting, off track", d)
	}
	if h := e.get(t, strangerVision).Health; h != pb.Health_HEALTH_UNKNOWN {
		t.Errorf("the stranger's vision turned %v", h)
	}
	status(kpipb.KpiStatus_KPI_STATUS_GREEN, time.Now().Add(time.Minute), "company-green")
	eventually(t, "the council's vision did not come back", func() bool {
		return e.get(t, councilVision).Health == pb.Health_HEALTH_ON_TRACK
	})

	// The thread of the company's objective reaches the council's vision;
	// a caller of the company alone sees it as a stub.
	if _, err := e.people.CreatePerson(c, &orgpb.CreatePersonRequest{Parent: company.Name, PersonId: "cy", Person: &orgpb.Person{
		DisplayName: "Cy", Email: "cy@company.example", ExternalSubject: "cy-sub", Role: identitypb.Role_ROLE_VIEWER}}); err != nil {
		t.Fatal(err)
	}
	th, err := e.as(t, e.auth.Token(t, "cy-sub")).elements.GetElementThread(c, &pb.GetElementThreadRequest{Name: objective})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{objective, m.Name, companyVision, councilVision}; !slices.Equal(names(th.Elements), want) {
		t.Fatalf("thread = %v, want %v", names(th.Elements), want)
	}
	var edges []string
	for _, x := range th.Edges {
		edges = append(edges, fmt.Sprintf("%s>%s %s", path.Base(path.Dir(path.Dir(x.To))), path.Base(x.To), x.Kind))
	}
	if !slices.Contains(edges, "council>vision LINK_KIND_SUPPORTS") {
		t.Errorf("no supports edge to the council's vision: %v", edges)
	}
	stub := th.Elements[3]
	if !slices.Equal(th.Restricted, []string{councilVision}) || stub.Title != "" || stub.Level != pb.Level_LEVEL_VISION || stub.Health != pb.Health_HEALTH_ON_TRACK {
		t.Errorf("the council's vision to a company viewer: %v (restricted %v), want a stub with level and health", stub, th.Restricted)
	}

	// Trees draw the links across organisations at their edge: the
	// council's shows the company's mission supporting its vision; the
	// company's viewer sees the council's vision as a stub.
	tree, err := e.elements.GetElementTree(c, &pb.GetElementTreeRequest{Parent: councilOrg})
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Linked) != 1 || tree.Linked[0].Name != m.Name || tree.Linked[0].Title != "Deliver what we say" || len(tree.Restricted) != 0 ||
		len(tree.Links) != 1 || tree.Links[0].From != m.Name || tree.Links[0].To != councilVision || tree.Links[0].Kind != pb.LinkKind_LINK_KIND_SUPPORTS {
		t.Errorf("the council's tree: linked %v, links %v, restricted %v; want the company's mission supporting the vision", names(tree.Linked), tree.Links, tree.Restricted)
	}
	tree, err = e.as(t, e.auth.Token(t, "cy-sub")).elements.GetElementTree(c, &pb.GetElementTreeRequest{Parent: company.Name})
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Linked) != 1 || tree.Linked[0].Name != councilVision || tree.Linked[0].Title != "" || !slices.Equal(tree.Restricted, []string{councilVision}) ||
		len(tree.Links) != 1 || tree.Links[0].From != m.Name {
		t.Errorf("the company's tree to its viewer: linked %v, links %v, restricted %v; want the council's vision as a stub", tree.Linked, tree.Links, tree.Restricted)
	}

	// A partner the company does not belong to: the company asks, the
	// partner's planner accepts, then the company's objective may serve
	// the partner's vision.
	links := e.links
	ask := func(id string) (*pb.LinkRequest, error) {
		return links.CreateLinkRequest(c, &pb.CreateLinkRequestRequest{Parent: strangerOrg, LinkRequestId: id,
			LinkRequest: &pb.LinkRequest{Element: objective, Target: strangerVision, Message: "We run your contact centre too."}})
	}
	lr, err := ask("from-company")
	if err != nil || lr.State != pb.LinkRequest_STATE_PENDING || lr.ElementTitle != "Customer satisfaction" {
		t.Fatalf("link request = %v, %v", lr, err)
	}
	_, err = ask("again")
	apitest.WantCode(t, err, codes.AlreadyExists, "")
	// A create retried with its request_id answers with the first. (The
	// target is not looked up: the asker may not read the plan asked.)
	retry := func() (*pb.LinkRequest, error) {
		return links.CreateLinkRequest(c, &pb.CreateLinkRequestRequest{Parent: strangerOrg, RequestId: "ask-once",
			LinkRequest: &pb.LinkRequest{Element: objective, Target: strangerOrg + "/elements/ghost"}})
	}
	first, err := retry()
	if err != nil {
		t.Fatal(err)
	}
	if again, err := retry(); err != nil || again.Name != first.Name || again.Etag != first.Etag {
		t.Errorf("a retried link request = %v, %v; want %s again", again, err, first.Name)
	}
	// A request for an element the organisation asked does not have
	// cannot be accepted.
	_, err = links.AcceptLinkRequest(c, &pb.AcceptLinkRequestRequest{Name: first.Name})
	apitest.WantCode(t, err, codes.FailedPrecondition, "link_request.target")
	if declined, err := links.DeclineLinkRequest(c, &pb.DeclineLinkRequestRequest{Name: first.Name}); err != nil ||
		declined.State != pb.LinkRequest_STATE_DECLINED || declined.DecideTime == nil {
		t.Fatalf("decline = %v, %v", declined, err)
	}
	// Left unanswered for a week, it is in the partner's integrity report.
	findings := func(org string, kind pb.IntegrityFinding_Kind) []string {
		report, err := e.elements.GetIntegrityReport(c, &pb.GetIntegrityReportRequest{Parent: org})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range report.Findings {
			if f.Kind == kind {
				out = append(out, f.Element)
			}
		}
		return out
	}
	if got := findings(strangerOrg, pb.IntegrityFinding_KIND_LINK_REQUEST_UNANSWERED); len(got) != 0 {
		t.Errorf("a fresh request is already unanswered: %v", got)
	}
	if _, err := e.db.ExecContext(c, "UPDATE link_requests SET create_time = ? WHERE id = ?", time.Now().AddDate(0, 0, -8).UnixMicro(), "from-company"); err != nil {
		t.Fatal(err)
	}
	if got := findings(strangerOrg, pb.IntegrityFinding_KIND_LINK_REQUEST_UNANSWERED); !slices.Equal(got, []string{strangerVision}) {
		t.Errorf("unanswered link requests: %v, want %v", got, []string{strangerVision})
	}
	_, err = links.CreateLinkRequest(c, &pb.CreateLinkRequestRequest{Parent: strangerOrg,
		LinkRequest: &pb.LinkRequest{Element: strangerVision, Target: strangerVision}})
	apitest.WantCode(t, err, codes.InvalidArgument, "link_request.element")
	supportStranger := func() error {
		_, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: objective, Supports: []string{strangerVision}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"supports"}}})
		return err
	}
	apitest.WantCode(t, supportStranger(), codes.FailedPrecondition, "element.supports")
	pending, err := links.ListLinkRequests(c, &pb.ListLinkRequestsRequest{Parent: strangerOrg, Filter: "state = STATE_PENDING"})
	if err != nil || len(pending.LinkRequests) != 1 || pending.LinkRequests[0].Name != lr.Name {
		t.Fatalf("pending requests = %v, %v", pending, err)
	}
	ok, err := links.AcceptLinkRequest(c, &pb.AcceptLinkRequestRequest{Name: lr.Name})
	if err != nil || ok.State != pb.LinkRequest_STATE_ACCEPTED || ok.DecideTime == nil {
		t.Fatalf("accept = %v, %v", ok, err)
	}
	_, err = links.DeclineLinkRequest(c, &pb.DeclineLinkRequestRequest{Name: lr.Name})
	apitest.WantCode(t, err, codes.FailedPrecondition, lr.Name)
	if err := supportStranger(); err != nil {
		t.Fatalf("supporting a partner's vision after its planner accepted: %v", err)
	}
	// Supporting an element that is then done is a finding.
	if _, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: strangerVision, Status: pb.Status_STATUS_DONE},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}}}); err != nil {
		t.Fatal(err)
	}
	if got := findings(company.Name, pb.IntegrityFinding_KIND_SUPPORTS_UNAVAILABLE); !slices.Equal(got, []string{objective}) {
		t.Errorf("supports of a done element: %v, want %v", got, []string{objective})
	}
	if _, err := e.elements.UpdateElement(c, &pb.UpdateElementRequest{Element: &pb.Element{Name: objective},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"supports"}}}); err != nil {
		t.Fatal(err)
	}

	// The company's deletion takes its mission out of the council's roll-up.
	status(kpipb.KpiStatus_KPI_STATUS_RED, time.Now().Add(2*time.Minute), "company-red-again")
	eventually(t, "the council's vision did not take the company's red again", func() bool {
		return e.get(t, councilVision).Health == pb.Health_HEALTH_OFF_TRACK
	})
	if _, err := e.orgs.DeleteOrganisation(c, &orgpb.DeleteOrganisationRequest{Name: company.Name}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the council's vision still counts the deleted company", func() bool {
		return e.get(t, councilVision).Health == pb.Health_HEALTH_UNKNOWN
	})
}

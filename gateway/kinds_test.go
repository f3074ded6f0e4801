package gateway_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	kpispb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	teamspb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
)

// resourceMessage is what every resource the kinds test makes has.
type resourceMessage interface {
	proto.Message
	GetName() string
}

// etag is m's etag; "" for a resource that has none (a check-in, never
// changed).
func etag(m resourceMessage) string {
	if e, ok := m.(interface{ GetEtag() string }); ok {
		return e.GetEtag()
	}
	return ""
}

// kind is one resource kind of the API, as the kinds test drives it.
type kind struct {
	name string
	// create makes one with the client-chosen key (its id; for a
	// measurement, which has none, its period) and request_id; nil for a
	// singleton, which get reads instead.
	create func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error)
	get    func(ctx context.Context, c *clients) (resourceMessage, error)
	// noRequestID says create takes no request_id to be retried with.
	noRequestID bool
	// noop updates m with the values it has, naming fields in the mask;
	// nil for a kind that has no update.
	noop func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error)
}

// TestEveryKind holds every resource kind of every service to the standard
// methods' rules, which the resource engine carries out once for all, each
// rule where the kind's methods have what it is about: a PATCH that changes
// nothing keeps the etag and publishes nothing; a create retried with its
// request_id returns the same resource; creates racing for one id give one
// resource and ALREADY_EXISTS for the rest, never INTERNAL. Check-ins and
// link requests have no update (a link request is accepted or declined); a
// webhook's create takes no request_id, as it shows the signing secret
// once; the publication is a singleton, never created. API tokens are not
// here: their create takes neither an id nor a request_id, and they have
// no update.
func TestEveryKind(t *testing.T) {
	onEachStore(t, func(t *testing.T, newDSN func(t *testing.T) string) {
		b := startServicesOn(t, newDSN)
		c := newClients(t, b.addr, b.admin)
		updated := watchUpdates(t, b.nats)
		const org = "organisations/kinds"
		ctx := context.Background()
		prepare(t, c)
		noop := func(t *testing.T, k kind, m resourceMessage) {
			t.Helper()
			same, err := k.noop(ctx, c, m)
			if err != nil {
				t.Fatalf("no-op update: %v", err)
			}
			if etag(same) != etag(m) {
				t.Errorf("a no-op update moved the etag from %s to %s", etag(m), etag(same))
			}
			if updated(m.GetName()) {
				t.Errorf("a no-op update published an update event for %s", m.GetName())
			}
		}
		for _, k := range kinds(org) {
			t.Run(k.name, func(t *testing.T) {
				if k.create == nil {
					m, err := k.get(ctx, c)
					if err != nil {
						t.Fatalf("get: %v", err)
					}
					updated(m.GetName()) // prepare's change
					noop(t, k, m)
					return
				}
				requestID := "request-1"
				if k.noRequestID {
					requestID = ""
				}
				first, err := k.create(ctx, c, "retried", requestID)
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				if !k.noRequestID {
					again, err := k.create(ctx, c, "retried", requestID)
					if err != nil || again.GetName() != first.GetName() || etag(again) != etag(first) {
						t.Errorf("retried create: %v, %v; want %s at etag %s", again, err, first.GetName(), etag(first))
					}
				}
				if k.noop != nil {
					noop(t, k, first)
				}

				var wg sync.WaitGroup
				codesSeen := make(chan codes.Code, 8)
				for range 8 {
					wg.Go(func() {
						_, err := k.create(ctx, c, "raced", "")
						codesSeen <- status.Code(err)
					})
				}
				wg.Wait()
				close(codesSeen)
				got := map[codes.Code]int{}
				for code := range codesSeen {
					got[code]++
				}
				if got[codes.OK] != 1 || got[codes.AlreadyExists] != 7 {
					t.Errorf("8 racing creates of one id: %v, want 1 OK and 7 AlreadyExists", got)
				}
			})
		}
	})
}

// watchUpdates follows every service's update events and returns a test of
// whether one for a resource arrived since the test last asked about it:
// after waiting long enough for an event the relay had to publish.
func watchUpdates(t *testing.T, nc *nats.Conn) func(name string) bool {
	var mu sync.Mutex
	seen := map[string]bool{}
	sub, err := nc.Subscribe("goldenthread.*.v1.*.*.updated", func(m *nats.Msg) {
		mu.Lock()
		defer mu.Unlock()
		seen[m.Header.Get("ce-subject")] = true
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return func(name string) bool {
		time.Sleep(300 * time.Millisecond) // the relay publishes within milliseconds
		mu.Lock()
		defer mu.Unlock()
		arrived := seen[name]
		delete(seen, name)
		return arrived
	}
}

// prepare makes organisation kinds with what its resources need: team t,
// the person of each membership, vision v and KPI k on it, its plan
// published; and organisation kinds-other, whose visions "retried" and
// "raced" ask to support v.
func prepare(t *testing.T, c *clients) {
	t.Helper()
	ctx := context.Background()
	const org = "organisations/kinds"
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.orgs.CreateOrganisation(ctx, &orgpb.CreateOrganisationRequest{OrganisationId: "kinds",
		Organisation: &orgpb.Organisation{DisplayName: "Kinds", Kind: orgpb.Organisation_KIND_COUNCIL}}))
	must(c.teams.CreateTeam(ctx, &teamspb.CreateTeamRequest{Parent: org, TeamId: "t",
		Team: &teamspb.Team{DisplayName: "t", Kind: teamspb.Team_KIND_LEADERSHIP}}))
	for _, p := range []string{"joiner-retried", "joiner-raced"} {
		must(c.people.CreatePerson(ctx, &orgpb.CreatePersonRequest{Parent: org, PersonId: p,
			Person: &orgpb.Person{DisplayName: p, Email: p + "@kinds.example"}}))
	}
	must(c.elements.CreateElement(ctx, &planningpb.CreateElementRequest{Parent: org, ElementId: "v", Element: vision(org, "v")}))
	must(c.kpis.CreateKpi(ctx, &kpispb.CreateKpiRequest{Parent: org, KpiId: "k", Kpi: kindsKpi(org)}))
	must(c.publication.UpdatePublication(ctx, &planningpb.UpdatePublicationRequest{UpdateMask: mask("published", "display_name"),
		Publication: &planningpb.Publication{Name: org + "/publication", Published: true, DisplayName: "Kinds"}}))

	const other = "organisations/kinds-other"
	must(c.orgs.CreateOrganisation(ctx, &orgpb.CreateOrganisationRequest{OrganisationId: "kinds-other",
		Organisation: &orgpb.Organisation{DisplayName: "Kinds' supplier", Kind: orgpb.Organisation_KIND_SHARED_SERVICE_COMPANY}}))
	must(c.teams.CreateTeam(ctx, &teamspb.CreateTeamRequest{Parent: other, TeamId: "t",
		Team: &teamspb.Team{DisplayName: "t", Kind: teamspb.Team_KIND_LEADERSHIP}}))
	for _, id := range []string{"retried", "raced"} {
		must(c.elements.CreateElement(ctx, &planningpb.CreateElementRequest{Parent: other, ElementId: id, Element: vision(other, id)}))
	}
}

func vision(org, title string) *planningpb.Element {
	return &planningpb.Element{Level: planningpb.Level_LEVEL_VISION, Title: title, OwnerTeam: org + "/teams/t",
		StartDate: &date.Date{Year: 2026, Month: 1, Day: 1}, EndDate: &date.Date{Year: 2030, Month: 12, Day: 31}}
}

func kindsKpi(org string) *kpispb.Kpi {
	return &kpispb.Kpi{Title: "k", Unit: kpispb.Unit_UNIT_COUNT, Direction: kpispb.Direction_DIRECTION_HIGHER_IS_BETTER,
		Frequency: kpispb.Frequency_FREQUENCY_MONTHLY, Element: org + "/elements/v", OwnerTeam: org + "/teams/t",
		Targets:    []*kpispb.Target{{PeriodEnd: &date.Date{Year: 2030, Month: 12, Day: 31}, Value: 10}},
		Thresholds: &kpispb.Thresholds{Kind: kpispb.Thresholds_KIND_ABSOLUTE, GreenWithin: 1, AmberWithin: 2}}
}

func mask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// kinds are the API's resource kinds, each under org.
func kinds(org string) []kind {
	period := map[string]*date.Date{"retried": {Year: 2026, Month: 1, Day: 31}, "raced": {Year: 2026, Month: 2, Day: 28}}
	return []kind{
		{name: "organisation",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.orgs.CreateOrganisation(ctx, &orgpb.CreateOrganisationRequest{OrganisationId: "kinds-" + key, RequestId: requestID,
					Organisation: &orgpb.Organisation{DisplayName: "Kinds " + key, Kind: orgpb.Organisation_KIND_AGENCY}})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				o := m.(*orgpb.Organisation)
				return c.orgs.UpdateOrganisation(ctx, &orgpb.UpdateOrganisationRequest{UpdateMask: mask("display_name", "kind"),
					Organisation: &orgpb.Organisation{Name: o.Name, DisplayName: o.DisplayName, Kind: o.Kind}})
			}},
		{name: "cycle",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.cycles.CreateCycle(ctx, &planningpb.CreateCycleRequest{Parent: org, CycleId: key, RequestId: requestID, Cycle: halfYear()})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				cy := m.(*planningpb.Cycle)
				return c.cycles.UpdateCycle(ctx, &planningpb.UpdateCycleRequest{UpdateMask: mask("display_name", "end_date"),
					Cycle: &planningpb.Cycle{Name: cy.Name, DisplayName: cy.DisplayName, EndDate: cy.EndDate}})
			}},
		{name: "person",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.people.CreatePerson(ctx, &orgpb.CreatePersonRequest{Parent: org, PersonId: key, RequestId: requestID,
					Person: &orgpb.Person{DisplayName: key, Email: key + "@kinds.example"}})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				p := m.(*orgpb.Person)
				return c.people.UpdatePerson(ctx, &orgpb.UpdatePersonRequest{UpdateMask: mask("display_name", "email"),
					Person: &orgpb.Person{Name: p.Name, DisplayName: p.DisplayName, Email: p.Email}})
			}},
		{name: "team",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.teams.CreateTeam(ctx, &teamspb.CreateTeamRequest{Parent: org, TeamId: key, RequestId: requestID,
					Team: &teamspb.Team{DisplayName: key, Kind: teamspb.Team_KIND_PROJECT, ParentTeam: org + "/teams/t"}})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				tm := m.(*teamspb.Team)
				return c.teams.UpdateTeam(ctx, &teamspb.UpdateTeamRequest{UpdateMask: mask("display_name", "kind", "parent_team"),
					Team: &teamspb.Team{Name: tm.Name, DisplayName: tm.DisplayName, Kind: tm.Kind, ParentTeam: tm.ParentTeam}})
			}},
		{name: "member",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.members.CreateMember(ctx, &teamspb.CreateMemberRequest{Parent: org + "/teams/t", MemberId: key, RequestId: requestID,
					Member: &teamspb.Member{Person: org + "/people/joiner-" + key, Role: teamspb.Member_ROLE_MEMBER,
						StartDate: &date.Date{Year: 2026, Month: 1, Day: 1}}})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				mb := m.(*teamspb.Member)
				return c.members.UpdateMember(ctx, &teamspb.UpdateMemberRequest{UpdateMask: mask("role", "start_date"),
					Member: &teamspb.Member{Name: mb.Name, Role: mb.Role, StartDate: mb.StartDate}})
			}},
		{name: "element",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.elements.CreateElement(ctx, &planningpb.CreateElementRequest{Parent: org, ElementId: key, RequestId: requestID,
					Element: vision(org, key)})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				el := m.(*planningpb.Element)
				return c.elements.UpdateElement(ctx, &planningpb.UpdateElementRequest{UpdateMask: mask("title", "status", "end_date"),
					Element: &planningpb.Element{Name: el.Name, Title: el.Title, Status: el.Status, EndDate: el.EndDate}})
			}},
		{name: "kpi",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				k := kindsKpi(org)
				k.Title = key
				return c.kpis.CreateKpi(ctx, &kpispb.CreateKpiRequest{Parent: org, KpiId: key, RequestId: requestID, Kpi: k})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				k := m.(*kpispb.Kpi)
				return c.kpis.UpdateKpi(ctx, &kpispb.UpdateKpiRequest{UpdateMask: mask("title", "targets", "thresholds"),
					Kpi: &kpispb.Kpi{Name: k.Name, Title: k.Title, Targets: k.Targets, Thresholds: k.Thresholds}})
			}},
		{name: "check-in",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.checkIns.CreateCheckIn(ctx, &planningpb.CreateCheckInRequest{Parent: org + "/elements/v", CheckInId: key, RequestId: requestID,
					CheckIn: &planningpb.CheckIn{Assessment: planningpb.Health_HEALTH_ON_TRACK, Summary: key}})
			}},
		{name: "comment",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.comments.CreateComment(ctx, &planningpb.CreateCommentRequest{Parent: org + "/elements/v", CommentId: key, RequestId: requestID,
					Comment: &planningpb.Comment{Text: key}})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				cm := m.(*planningpb.Comment)
				return c.comments.UpdateComment(ctx, &planningpb.UpdateCommentRequest{Comment: &planningpb.Comment{Name: cm.Name, Text: cm.Text}})
			}},
		{name: "link request",
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.links.CreateLinkRequest(ctx, &planningpb.CreateLinkRequestRequest{Parent: org, LinkRequestId: key, RequestId: requestID,
					LinkRequest: &planningpb.LinkRequest{Element: "organisations/kinds-other/elements/" + key, Target: org + "/elements/v"}})
			}},
		{name: "webhook", noRequestID: true,
			create: func(ctx context.Context, c *clients, key, _ string) (resourceMessage, error) {
				w, err := c.webhooks.CreateWebhook(ctx, &orgpb.CreateWebhookRequest{Parent: org, WebhookId: key, Webhook: &orgpb.Webhook{
					DisplayName: key, Url: "https://8.8.8.8/" + key, EventTypes: []string{"goldenthread.planning.v1.ElementCreated"}}})
				return w.GetWebhook(), err
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				w := m.(*orgpb.Webhook)
				return c.webhooks.UpdateWebhook(ctx, &orgpb.UpdateWebhookRequest{UpdateMask: mask("display_name", "url", "event_types", "enabled"),
					Webhook: &orgpb.Webhook{Name: w.Name, DisplayName: w.DisplayName, Url: w.Url, EventTypes: w.EventTypes, Enabled: w.Enabled}})
			}},
		{name: "publication",
			get: func(ctx context.Context, c *clients) (resourceMessage, error) {
				return c.publication.GetPublication(ctx, &planningpb.GetPublicationRequest{Name: org + "/publication"})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				p := m.(*planningpb.Publication)
				return c.publication.UpdatePublication(ctx, &planningpb.UpdatePublicationRequest{UpdateMask: mask("published", "display_name", "licence"),
					Publication: &planningpb.Publication{Name: p.Name, Published: p.Published, DisplayName: p.DisplayName, Licence: p.Licence}})
			}},
		{name: "measurement",
			// A measurement has no client-chosen id: its period is what two
			// creates race for.
			create: func(ctx context.Context, c *clients, key, requestID string) (resourceMessage, error) {
				return c.measures.CreateMeasurement(ctx, &kpispb.CreateMeasurementRequest{Parent: org + "/kpis/k", RequestId: requestID,
					Measurement: &kpispb.Measurement{PeriodEnd: period[key], Value: proto.Float64(5), Note: key}})
			},
			noop: func(ctx context.Context, c *clients, m resourceMessage) (resourceMessage, error) {
				ms := m.(*kpispb.Measurement)
				return c.measures.UpdateMeasurement(ctx, &kpispb.UpdateMeasurementRequest{UpdateMask: mask("value", "note"),
					Measurement: &kpispb.Measurement{Name: ms.Name, Value: ms.Value, Note: ms.Note}})
			}},
	}
}

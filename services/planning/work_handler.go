package planning

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// workHandler is the gRPC surface of WorkService: a person's work,
// gathered from the plan, the teams service (their memberships), the
// organisations service (their role) and the KPI service (their teams'
// KPIs).
type workHandler struct {
	pb.UnimplementedWorkServiceServer
	db     *sqldb.DB
	people interface {
		Person(ctx context.Context, name string) (*orgpb.Person, error)
	}
	teams interface {
		MemberOf(ctx context.Context, orgID, person string) ([]string, error)
	}
	kpis interface {
		KPIs(ctx context.Context, orgID, filter string) ([]*kpipb.Kpi, error)
	}
}

func (h *workHandler) GetWork(ctx context.Context, req *pb.GetWorkRequest) (*pb.Work, error) {
	orgID := path.Base(path.Dir(path.Dir(req.Name)))
	name := req.Name
	if path.Base(name) == "-" {
		if name = auth.FromContext(ctx).People[orgID]; name == "" {
			return nil, apierr.InvalidArgument("name", "the caller is no person of organisations/"+orgID+" (an API token has no work)")
		}
	}
	person, err := h.people.Person(ctx, name)
	if err != nil {
		return nil, err
	}
	teams, err := h.teams.MemberOf(ctx, orgID, name)
	if err != nil {
		return nil, err
	}
	at := time.Now()
	if req.At != nil {
		at = req.At.AsTime()
	}
	var w work
	for _, team := range teams {
		owned, err := h.kpis.KPIs(ctx, orgID, fmt.Sprintf("owner_team = %q", team))
		if err != nil {
			return nil, err
		}
		w.kpis = append(w.kpis, owned...)
	}
	teamIDs := make([]string, len(teams))
	for i, t := range teams {
		teamIDs[i] = path.Base(t)
	}
	due, err := checkInsDue(ctx, h.db, orgID, teamIDs, at.Add(workAhead))
	if err != nil {
		return nil, err
	}
	for _, r := range due {
		w.checkIns = append(w.checkIns, r.Msg)
	}
	mentions, err := mentioning(ctx, h.db, orgID, name, at.Add(-mentionsFor))
	if err != nil {
		return nil, err
	}
	for _, c := range mentions {
		w.mentions = append(w.mentions, c.Msg)
	}
	if w.titles, err = h.commentedTitles(ctx, orgID, mentions); err != nil {
		return nil, err
	}
	if person.Role >= plannerRole {
		links, err := pendingLinks(ctx, h.db, orgID)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			w.links = append(w.links, l.Msg)
		}
	}
	return &pb.Work{Person: name, Teams: teams, Items: workItems(at, w)}, nil
}

// commentedTitles are the titles of what comments are on, by their
// parents' names: an element's, a check-in's element's, a KPI's.
func (h *workHandler) commentedTitles(ctx context.Context, orgID string, comments []*commentRecord) (map[string]string, error) {
	var elementIDs []string
	var kpiTitles map[string]string
	for _, c := range comments {
		if commentKind(c.parent) != "kpis" {
			elementIDs = append(elementIDs, strings.Split(c.parent, "/")[3])
		} else if kpiTitles == nil {
			all, err := h.kpis.KPIs(ctx, orgID, "")
			if err != nil {
				return nil, err
			}
			kpiTitles = map[string]string{}
			for _, k := range all {
				kpiTitles[k.Name] = k.Title
			}
		}
	}
	elementTitle, err := elementTitles(ctx, h.db, orgID, elementIDs)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range comments {
		if commentKind(c.parent) == "kpis" {
			out[c.parent] = kpiTitles[c.parent]
		} else {
			out[c.parent] = elementTitle[elementName(orgID, strings.Split(c.parent, "/")[3])]
		}
	}
	return out, nil
}

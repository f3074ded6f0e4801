package planning

import (
	"fmt"
	"slices"
	"strings"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// checkPublication enforces a publication's rules beyond its proto's:
// teams of its own organisation, and a public name to publish under.
func checkPublication(orgID string, p *pb.Publication) error {
	for i, t := range p.Teams {
		if !strings.HasPrefix(t, "organisations/"+orgID+"/teams/") {
			return apierr.InvalidArgument(fmt.Sprintf("publication.teams[%d]", i), "must be a team of organisations/"+orgID)
		}
	}
	for i, k := range p.Kpis {
		if !strings.HasPrefix(k, "organisations/"+orgID+"/kpis/") {
			return apierr.InvalidArgument(fmt.Sprintf("publication.kpis[%d]", i), "must be a KPI of organisations/"+orgID)
		}
	}
	if p.Published && strings.TrimSpace(p.DisplayName) == "" {
		return apierr.InvalidArgument("publication.display_name", "is required to publish: the name the public pages give the organisation")
	}
	return nil
}

// publishedPart is the part of recs (the live plan, parents first) that p
// publishes: the elements its teams own, with every element above them
// on the thread (parents, and a defining objective's thematic goal); all
// of recs when it names no team.
func publishedPart(p *pb.Publication, recs []*elementRecord) []*elementRecord {
	if len(p.Teams) == 0 {
		return recs
	}
	byID := map[string]*elementRecord{}
	for _, r := range recs {
		byID[r.id] = r
	}
	in := map[string]bool{}
	var above []*elementRecord
	for _, r := range recs {
		if slices.Contains(p.Teams, r.Msg.OwnerTeam) {
			above = append(above, r)
		}
	}
	for len(above) > 0 {
		r := above[len(above)-1]
		above = above[:len(above)-1]
		if r == nil || in[r.id] {
			continue
		}
		in[r.id] = true
		above = append(above, byID[r.parentID], byID[r.thematicGoal])
	}
	var out []*elementRecord
	for _, r := range recs {
		if in[r.id] {
			out = append(out, r)
		}
	}
	return out
}

// publicElement is r as the public reads it: links only to elements in
// the published part (in).
func publicElement(r *elementRecord, in map[string]bool) *pb.PublishedElement {
	e := r.Msg
	out := &pb.PublishedElement{Name: e.Name, Level: e.Level, ObjectiveKind: e.ObjectiveKind, Title: e.Title, Description: e.Description,
		Status: e.Status, Health: e.Health, Progress: e.Progress, StartDate: e.StartDate, EndDate: e.EndDate}
	if in[r.parentID] {
		out.Parent = e.Parent
	}
	if in[r.thematicGoal] {
		out.ThematicGoal = e.ThematicGoal
	}
	if c := e.LatestCheckIn; c != nil && c.Public {
		out.LatestCheckIn = &pb.PublishedCheckIn{Assessment: c.Assessment, Summary: c.Summary, CreateTime: c.CreateTime}
	}
	return out
}

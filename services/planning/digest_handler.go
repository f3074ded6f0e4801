package planning

import (
	"context"
	"path"
	"slices"
	"time"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// digestHandler is the gRPC surface of DigestService: what happened in a
// plan over a period, from the plan's records and the KPI service's
// values.
type digestHandler struct {
	pb.UnimplementedDigestServiceServer
	db    *sqldb.DB
	teams interface {
		Subtree(ctx context.Context, orgID, team string) ([]string, error)
	}
	kpis interface {
		KPIs(ctx context.Context, orgID, filter string) ([]*kpipb.Kpi, error)
		Recorded(ctx context.Context, orgID string, since, until time.Time) ([]*kpipb.Measurement, error)
	}
}

func (h *digestHandler) GetDigest(ctx context.Context, req *pb.GetDigestRequest) (*pb.Digest, error) {
	orgID, err := resource.ParseOrganisation("name", req.Name)
	if err != nil {
		return nil, err
	}
	p := period{orgID: orgID, since: req.Since.AsTime(), until: time.Now()}
	if req.Until != nil {
		p.until = req.Until.AsTime()
	}
	if !p.since.Before(p.until) {
		return nil, apierr.InvalidArgument("until", "must be after since")
	}
	var teams []string // team names; nil for the whole organisation
	if req.Team != "" {
		if _, err := resource.InOrganisation("team", "teams", orgID, req.Team); err != nil {
			return nil, err
		}
		if teams, err = h.teams.Subtree(ctx, orgID, req.Team); err != nil {
			return nil, err
		}
		if len(teams) == 0 {
			return nil, apierr.InvalidArgument("team", "no such live team: "+req.Team)
		}
		for _, t := range teams {
			p.teamIDs = append(p.teamIDs, path.Base(t))
		}
	}
	d := &pb.Digest{}
	if d.CheckIns, err = digestCheckIns(ctx, h.db, p); err != nil {
		return nil, err
	}
	if d.HealthChanges, err = digestHealthChanges(ctx, h.db, p); err != nil {
		return nil, err
	}
	for _, list := range []struct {
		into  *[]*pb.Element
		query func(context.Context, sqldb.Querier, period) ([]*elementRecord, error)
	}{{&d.Created, digestCreated}, {&d.Closed, digestClosed}} {
		recs, err := list.query(ctx, h.db, p)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			*list.into = append(*list.into, r.Msg)
		}
	}
	if d.Values, err = h.values(ctx, p, teams); err != nil {
		return nil, err
	}
	return d, nil
}

// values are the values recorded in p for the KPIs of teams (all, when
// nil), newest first, with their KPIs' titles.
func (h *digestHandler) values(ctx context.Context, p period, teams []string) ([]*pb.RecordedValue, error) {
	recorded, err := h.kpis.Recorded(ctx, p.orgID, p.since, p.until)
	if err != nil || len(recorded) == 0 {
		return nil, err
	}
	all, err := h.kpis.KPIs(ctx, p.orgID, "")
	if err != nil {
		return nil, err
	}
	titles := map[string]string{}
	for _, k := range all {
		if teams == nil || slices.Contains(teams, k.OwnerTeam) {
			titles[k.Name] = k.Title
		}
	}
	var out []*pb.RecordedValue
	for _, m := range recorded {
		kpi := path.Dir(path.Dir(m.Name))
		title, ok := titles[kpi]
		if !ok {
			continue // another team's, or a deleted KPI's
		}
		out = append(out, &pb.RecordedValue{Kpi: kpi, Title: title, PeriodEnd: m.PeriodEnd, Value: m.GetValue(), Time: m.CreateTime})
	}
	slices.SortFunc(out, func(a, b *pb.RecordedValue) int { return b.Time.AsTime().Compare(a.Time.AsTime()) })
	return out, nil
}

package kpis

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// ListPublishedKpis answers anyone, with no credential: what the planning
// service says the organisation publishes decides which KPIs (those of
// published elements, narrowed to the ones chosen), and each goes out
// without who recorded or changed what, notes or corrections.
func (h *kpisHandler) ListPublishedKpis(ctx context.Context, req *pb.ListPublishedKpisRequest) (*pb.ListPublishedKpisResponse, error) {
	ids, err := resource.ParseName("parent", req.Parent, "organisations")
	if err != nil {
		return nil, err
	}
	plan, err := h.dir.publishedPlan(ctx, req.Parent+"/publication")
	if err != nil {
		return nil, err
	}
	elements, chosen := map[string]bool{}, map[string]bool{}
	for _, e := range plan.Elements {
		elements[e.Name] = true
	}
	for _, k := range plan.Kpis {
		chosen[k] = true
	}
	recs, err := kpisWhere(ctx, h.kpis.DB, "organisation_id = ? AND delete_time IS NULL", ids[0])
	if err != nil {
		return nil, err
	}
	var shown []*kpiRecord
	var shownIDs []string
	for _, r := range recs {
		if elements[r.Msg.Element] && (len(chosen) == 0 || chosen[r.Msg.Name]) {
			shown, shownIDs = append(shown, r), append(shownIDs, r.id)
		}
	}
	measured, err := liveOf(ctx, h.kpis.DB, ids[0], shownIDs)
	if err != nil {
		return nil, err
	}
	out := &pb.ListPublishedKpisResponse{}
	var values []*pb.Measurement
	var of []string // the KPI id of each of values
	for _, r := range shown {
		k := proto.CloneOf(r.Msg)
		k.UpdateActor, k.Etag, k.TargetHistory = "", "", nil
		published := &pb.PublishedKpi{Kpi: k}
		for _, m := range measured[r.id] {
			v := &pb.Measurement{Name: m.Msg.Name, PeriodEnd: m.Msg.PeriodEnd, Value: m.Msg.Value}
			published.Values = append(published.Values, v)
			values, of = append(values, v), append(of, r.id)
		}
		out.Kpis = append(out.Kpis, published)
	}
	return out, gradeValues(ctx, h.kpis.DB, ids[0], of, values)
}

// publishedPlan asks the planning service what the organisation publishes
// (a call that needs no credential): NOT_FOUND when nothing.
func (d directory) publishedPlan(ctx context.Context, name string) (*planningpb.PublishedPlan, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	plan, err := d.plans.GetPublishedPlan(ctx, &planningpb.GetPublishedPlanRequest{Name: name})
	switch {
	case status.Code(err) == codes.NotFound:
		return nil, apierr.NotFound(name)
	case err != nil:
		return nil, lookup.Failed("the planning service", name, err)
	}
	return plan, nil
}

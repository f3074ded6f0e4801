package kpis

import (
	"context"

	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
)

// directory asks the planning and teams services, over gRPC and as the
// caller, about the elements and teams KPIs name.
type directory struct {
	elements planningpb.ElementsServiceClient
	plans    planningpb.PublicationServiceClient
	teamDirectory
}

// teamDirectory is what the KPI service asks the teams service
// (teams/teamsclient): whether an owner team is live, and whether a
// contributor is a member of it.
type teamDirectory interface {
	RequireLiveTeam(ctx context.Context, field, name string) error
	IsMember(ctx context.Context, team, person string) (bool, error)
}

// liveElement returns the element, which must exist and be live.
func (d directory) liveElement(ctx context.Context, name string) (*planningpb.Element, error) {
	return lookup.GetLive(ctx, "the planning service", "kpi.element", "element", name, func(ctx context.Context) (*planningpb.Element, error) {
		return d.elements.GetElement(ctx, &planningpb.GetElementRequest{Name: name})
	})
}

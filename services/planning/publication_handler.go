package planning

import (
	"context"
	"slices"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// publicationHandler is the gRPC surface of PublicationService: an
// organisation's publication settings (a singleton, kept with the plan
// it publishes) and the published plan, which anyone may read.
type publicationHandler struct {
	pb.UnimplementedPublicationServiceServer
	publications resource.Engine[*publicationRecord, *pb.Publication]
	teams        teamDirectory
}

func (h *publicationHandler) UpdatePublication(ctx context.Context, req *pb.UpdatePublicationRequest) (*pb.Publication, error) {
	c, err := h.publications.Patch(req.Publication, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	if slices.Contains(c.Paths, "teams") {
		for i, t := range req.Publication.Teams {
			if err := h.teams.RequireLiveTeam(ctx, "publication.teams["+strconv.Itoa(i)+"]", t); err != nil {
				return nil, err
			}
		}
	}
	// Its first change makes its row: the lock, not the row, keeps two
	// first changes from both succeeding.
	c.Lock = func(ctx context.Context, tx *sqldb.Tx, _ []string) error { return tx.Lock(ctx, c.Name) }
	return h.publications.Update(ctx, c, func(current *publicationRecord) (*publicationRecord, error) {
		next := resource.With(current, resource.ApplyMask(current.Msg, req.Publication, c.Paths))
		return next, checkPublication(current.orgID, next.Msg)
	})
}

func (h *publicationHandler) GetPublishedPlan(ctx context.Context, req *pb.GetPublishedPlanRequest) (*pb.PublishedPlan, error) {
	ids, err := publicationType.Parse("name", req.Name)
	if err != nil {
		return nil, err
	}
	orgID := ids[0]
	pub, err := getPublication(ctx, h.publications.DB, orgID)
	if err != nil {
		return nil, err
	}
	if !pub.Msg.Published {
		return nil, apierr.NotFound(req.Name)
	}
	recs, err := liveTree(ctx, h.publications.DB, orgID, "")
	if err != nil {
		return nil, err
	}
	part := publishedPart(pub.Msg, parentsFirst(recs))
	in := map[string]bool{}
	updated := pub.Msg.UpdateTime.AsTime()
	for _, r := range part {
		in[r.id] = true
		if t := r.Msg.UpdateTime.AsTime(); t.After(updated) {
			updated = t
		}
		if r.Msg.HealthChangeTime != nil && r.Msg.HealthChangeTime.AsTime().After(updated) {
			updated = r.Msg.HealthChangeTime.AsTime()
		}
	}
	out := &pb.PublishedPlan{Name: pub.Msg.Name, DisplayName: pub.Msg.DisplayName, Licence: pub.Msg.Licence, UpdateTime: timestamppb.New(updated),
		Kpis: pub.Msg.Kpis}
	for _, r := range part {
		out.Elements = append(out.Elements, publicElement(r, in))
	}
	return out, nil
}

package planning

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// publicationHandler is the gRPC surface of PublicationService: an
// organisation's publication settings (a singleton, kept with the plan
// it publishes) and the published plan, which anyone may read.
type publicationHandler struct {
	pb.UnimplementedPublicationServiceServer
	db    *sqldb.DB
	emit  resource.Emit
	teams teamDirectory
}

// parsePublication returns the organisation id of a publication's name.
func parsePublication(field, name string) (string, error) {
	parent, ok := strings.CutSuffix(name, "/publication")
	if !ok {
		return "", apierr.InvalidArgument(field, "must be organisations/{organisation}/publication")
	}
	return resource.ParseOrganisation(field, parent)
}

func (h *publicationHandler) GetPublication(ctx context.Context, req *pb.GetPublicationRequest) (*pb.Publication, error) {
	orgID, err := parsePublication("name", req.Name)
	if err != nil {
		return nil, err
	}
	r, err := getPublication(ctx, h.db, orgID)
	if err != nil {
		return nil, err
	}
	return r.p, nil
}

func (h *publicationHandler) UpdatePublication(ctx context.Context, req *pb.UpdatePublicationRequest) (*pb.Publication, error) {
	orgID, err := parsePublication("publication.name", req.Publication.GetName())
	if err != nil {
		return nil, err
	}
	paths, err := resource.MaskPaths(req.UpdateMask.GetPaths(), publicationUpdatable, []string{"update_time", "update_actor"})
	if err != nil {
		return nil, err
	}
	if slices.Contains(paths, "teams") {
		for i, t := range req.Publication.Teams {
			if err := h.teams.RequireLiveTeam(ctx, "publication.teams["+strconv.Itoa(i)+"]", t); err != nil {
				return nil, err
			}
		}
	}
	var result *pb.Publication
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Lock(ctx, publicationName(orgID)); err != nil {
			return err
		}
		current, err := getPublication(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if err := resource.CheckEtag(current.p.Name, req.Publication.Etag, current.p.Etag); err != nil {
			return err
		}
		next := &publicationRecord{p: resource.ApplyMask(current.p, req.Publication, paths), orgID: orgID, revision: current.revision}
		if err := protovalidate.Validate(next.p); err != nil {
			return interceptor.ValidationStatus(err, "publication.")
		}
		if err := checkPublication(orgID, next.p); err != nil {
			return err
		}
		if proto.Equal(current.p, next.p) {
			result = current.p
			return nil
		}
		next.revision++
		next.p.UpdateTime, next.p.UpdateActor, next.p.Etag = resource.Now(), auth.Actor(ctx, serviceName), resource.Etag(next.revision)
		if err := savePublication(ctx, tx, next); err != nil {
			return err
		}
		if err := history.Record(ctx, tx, next.p, historypb.Action_ACTION_UPDATED, next.p.UpdateActor, paths...); err != nil {
			return err
		}
		result = next.p
		return h.emit(ctx, tx, next.p.Name, "publication", "updated", &pb.PublicationUpdated{Publication: next.p, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
	})
	return result, err
}

func (h *publicationHandler) GetPublishedPlan(ctx context.Context, req *pb.GetPublishedPlanRequest) (*pb.PublishedPlan, error) {
	orgID, err := parsePublication("name", req.Name)
	if err != nil {
		return nil, err
	}
	pub, err := getPublication(ctx, h.db, orgID)
	if err != nil {
		return nil, err
	}
	if !pub.p.Published {
		return nil, apierr.NotFound(req.Name)
	}
	recs, err := liveTree(ctx, h.db, orgID, "")
	if err != nil {
		return nil, err
	}
	part := publishedPart(pub.p, parentsFirst(recs))
	in := map[string]bool{}
	updated := pub.p.UpdateTime.AsTime()
	for _, r := range part {
		in[r.id] = true
		if t := r.Msg.UpdateTime.AsTime(); t.After(updated) {
			updated = t
		}
		if r.Msg.HealthChangeTime != nil && r.Msg.HealthChangeTime.AsTime().After(updated) {
			updated = r.Msg.HealthChangeTime.AsTime()
		}
	}
	out := &pb.PublishedPlan{Name: pub.p.Name, DisplayName: pub.p.DisplayName, Licence: pub.p.Licence, UpdateTime: timestamppb.New(updated),
		Kpis: pub.p.Kpis}
	for _, r := range part {
		out.Elements = append(out.Elements, publicElement(r, in))
	}
	return out, nil
}

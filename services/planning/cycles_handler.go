package planning

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// cyclesHandler is the gRPC surface of CyclesService: the standard methods
// are the resource engine's; closing a cycle freezes how its elements
// ended (freeze).
type cyclesHandler struct {
	pb.UnimplementedCyclesServiceServer
	cycles resource.Engine[*cycleRecord, *pb.Cycle]
	// elements makes the copies a carry-forward makes, as CreateElement
	// does; kpis copies their KPIs.
	elements *elementsHandler
	kpis     kpis
}

func (h *cyclesHandler) GetCycle(ctx context.Context, req *pb.GetCycleRequest) (*pb.Cycle, error) {
	c, err := h.cycles.Get(ctx, req.Name)
	if err != nil || c.State != pb.Cycle_STATE_CLOSED {
		return c, err
	}
	ids, err := cycleType.Parse("name", req.Name)
	if err != nil {
		return nil, err
	}
	_, c.Outcomes, err = frozen(ctx, h.cycles.DB, ids[0], ids[1])
	return c, err
}

func (h *cyclesHandler) CreateCycle(ctx context.Context, req *pb.CreateCycleRequest) (*pb.Cycle, error) {
	return h.cycles.Create(ctx, resource.Creation[*cycleRecord]{Request: req, Parent: req.Parent, ID: req.CycleId,
		New: func(ids []string) (*cycleRecord, error) {
			c := &pb.Cycle{Name: cycleType.Name(ids...), DisplayName: req.Cycle.GetDisplayName(), StartDate: req.Cycle.GetStartDate(),
				EndDate: req.Cycle.GetEndDate(), State: pb.Cycle_STATE_OPEN}
			return &cycleRecord{Stored: resource.Hold(c), orgID: ids[0], id: ids[1]}, checkCycle("cycle", c)
		}})
}

func (h *cyclesHandler) UpdateCycle(ctx context.Context, req *pb.UpdateCycleRequest) (*pb.Cycle, error) {
	c, err := h.cycles.Patch(req.Cycle, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	return h.cycles.Update(ctx, c, func(current *cycleRecord) (*cycleRecord, error) {
		if err := checkOpen("cycle", current.Msg); err != nil {
			return nil, err
		}
		next := resource.With(current, resource.ApplyMask(current.Msg, req.Cycle, c.Paths))
		return next, checkCycle("cycle", next.Msg)
	})
}

func (h *cyclesHandler) CloseCycle(ctx context.Context, req *pb.CloseCycleRequest) (*pb.Cycle, error) {
	c, err := h.cycles.Named(req.Name, req.Etag)
	if err != nil {
		return nil, err
	}
	c.Paths = []string{"state", "close_time"}
	c.Lock = lockPlan
	c.After = func(ctx context.Context, tx *sqldb.Tx, _, next *cycleRecord) error {
		recs, err := liveTree(ctx, tx, next.orgID, "")
		if err != nil {
			return err
		}
		part, own := inCycle(recs, next.Msg.Name)
		return freeze(ctx, tx, next, part, own)
	}
	closed, err := h.cycles.Update(ctx, c, func(current *cycleRecord) (*cycleRecord, error) {
		if err := checkOpen("name", current.Msg); err != nil {
			return nil, err
		}
		next := resource.With(current, proto.CloneOf(current.Msg))
		next.Msg.State, next.Msg.CloseTime = pb.Cycle_STATE_CLOSED, resource.Now()
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	return h.GetCycle(ctx, &pb.GetCycleRequest{Name: closed.Name})
}

func (h *cyclesHandler) CarryForwardCycle(ctx context.Context, req *pb.CarryForwardCycleRequest) (*pb.CarryForwardCycleResponse, error) {
	ids, err := cycleType.Parse("name", req.Name)
	if err != nil {
		return nil, err
	}
	from, err := cycleType.Lookup(ctx, h.cycles.DB, ids...)
	if err != nil {
		return nil, err
	}
	if from.Msg.State != pb.Cycle_STATE_CLOSED {
		return nil, apierr.FailedPrecondition("name", req.Name+" is open; close it before carrying it forward")
	}
	next, err := h.nextCycle(ctx, from, req)
	if err != nil {
		return nil, err
	}
	recs, err := unfinished(ctx, h.cycles.DB, from)
	if err != nil {
		return nil, err
	}
	// Parents come first: a copy's parent or thematic goal that was copied
	// too is its copy.
	copies := map[string]string{}
	out := &pb.CarryForwardCycleResponse{Cycle: next}
	for _, r := range recs {
		el := r.Msg
		copied := &pb.Element{Level: el.Level, ObjectiveKind: el.ObjectiveKind, Title: el.Title, Description: el.Description,
			OwnerTeam: el.OwnerTeam, StartDate: next.StartDate, EndDate: next.EndDate, Status: el.Status, PriorityRank: el.PriorityRank,
			Parent: cmp.Or(copies[el.Parent], el.Parent), Supports: el.Supports, ThematicGoal: cmp.Or(copies[el.ThematicGoal], el.ThematicGoal),
			CheckInFrequency: el.CheckInFrequency, Cycle: next.Name}
		made, err := h.elements.create(ctx, &pb.CreateElementRequest{Parent: "organisations/" + from.orgID, Element: copied,
			RequestId: carryKey(next.Name, el.Name)}, r.id)
		if err != nil {
			return nil, err
		}
		copies[el.Name] = made.Name
		out.Elements = append(out.Elements, made)
		measures, err := h.kpis.KPIs(ctx, from.orgID, fmt.Sprintf("element = %q", el.Name))
		if err != nil {
			return nil, err
		}
		for _, k := range measures {
			if err := h.kpis.Copy(ctx, from.orgID, k, made.Name, carryKey(next.Name, k.Name)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// nextCycle makes the open cycle after from that req asks for, or returns
// it when an earlier call made it: ALREADY_EXISTS when the id is another
// cycle's.
func (h *cyclesHandler) nextCycle(ctx context.Context, from *cycleRecord, req *pb.CarryForwardCycleRequest) (*pb.Cycle, error) {
	next, err := h.cycles.Create(ctx, resource.Creation[*cycleRecord]{Parent: "organisations/" + from.orgID, ID: req.NextCycleId,
		New: func(ids []string) (*cycleRecord, error) {
			c := &pb.Cycle{Name: cycleType.Name(ids...), DisplayName: req.NextCycle.GetDisplayName(), StartDate: req.NextCycle.GetStartDate(),
				EndDate: req.NextCycle.GetEndDate(), State: pb.Cycle_STATE_OPEN, Predecessor: from.Msg.Name}
			return &cycleRecord{Stored: resource.Hold(c), orgID: ids[0], id: ids[1]}, checkCycle("next_cycle", c)
		}})
	if status.Code(err) != codes.AlreadyExists {
		return next, err
	}
	existing, getErr := getCycle(ctx, h.cycles.DB, from.orgID, req.NextCycleId)
	if getErr != nil || existing.Msg.Predecessor != from.Msg.Name {
		return nil, err
	}
	return existing.Msg, nil
}

// carryKey is the request_id of the copy into the cycle next of the
// resource called name: the same on every retry, and short.
func carryKey(next, name string) string {
	sum := sha256.Sum256([]byte(next + " " + name))
	return "carry-" + hex.EncodeToString(sum[:16])
}

// inCycle finds, among the plan's elements recs, those of the cycle called
// cycle (own, by id), those under them, and the ancestors of all of
// these: the part of the plan the cycle's tree shows, in recs' order.
func inCycle(recs []*elementRecord, cycle string) (part []*elementRecord, own map[string]bool) {
	byID := make(map[string]*elementRecord, len(recs))
	children := map[string][]string{}
	keep, own := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		byID[r.id] = r
		children[r.parentID] = append(children[r.parentID], r.id)
	}
	var down func(id string)
	down = func(id string) {
		if keep[id] {
			return
		}
		keep[id] = true
		for _, c := range children[id] {
			down(c)
		}
	}
	for _, r := range recs {
		if r.Msg.Cycle == cycle {
			own[r.id] = true
			down(r.id)
		}
	}
	for id := range own {
		for p := byID[id].parentID; p != "" && byID[p] != nil; p = byID[p].parentID {
			keep[p] = true
		}
	}
	for _, r := range recs {
		if keep[r.id] {
			part = append(part, r)
		}
	}
	return part, own
}

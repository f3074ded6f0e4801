package planning

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The golden thread as queries: an element's thread up to the vision, a
// plan tree with its roll-ups, and the plan's integrity report. Roll-ups
// are kept up to date as the plan and its KPIs change (rollup.go), so each
// query reads them as they are: a fixed number of queries whatever the
// size of the plan.

func (h *elementsHandler) GetElementThread(ctx context.Context, req *pb.GetElementThreadRequest) (*pb.ElementThread, error) {
	ids, err := elementType.Parse("name", req.Name)
	if err != nil {
		return nil, err
	}
	get := func(orgID, id string) (*elementRecord, error) { return getElement(ctx, h.db, orgID, id) }
	if req.AsOf != nil {
		get = func(orgID, id string) (*elementRecord, error) { return h.elementAt(ctx, orgID, id, req.AsOf) }
	}
	return threadOf(ids[0], ids[1], auth.FromContext(ctx).Reads, get)
}

// elementAt reads the element id of orgID as it stood at at: its record
// as of then, with the health and progress its roll-up had then.
func (h *elementsHandler) elementAt(ctx context.Context, orgID, id string, at *timestamppb.Timestamp) (*elementRecord, error) {
	el, err := h.elements.GetAt(ctx, elementName(orgID, id), at)
	if err != nil {
		return nil, err
	}
	r, err := recordOf(orgID, el)
	if err != nil {
		return nil, err
	}
	return r, rollupsAsOf(ctx, h.db, orgID, at.AsTime(), []*elementRecord{r})
}

func (h *elementsHandler) GetElementTree(ctx context.Context, req *pb.GetElementTreeRequest) (*pb.ElementTree, error) {
	orgID, err := resource.ParseOrganisation("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	rootID, err := optionalRef("root", "elements", orgID, req.Root)
	if err != nil {
		return nil, err
	}
	if _, err := optionalRef("owner_team", "teams", orgID, req.OwnerTeam); err != nil {
		return nil, err
	}
	if req.ActiveAt != nil {
		if err := dates.Check("active_at", req.ActiveAt); err != nil {
			return nil, err
		}
	}
	if req.AsOf != nil || req.Cycle != "" {
		recs, err := h.pastTree(ctx, orgID, req)
		if err != nil {
			return nil, err
		}
		if rootID != "" && !slices.ContainsFunc(recs, func(r *elementRecord) bool { return r.id == rootID }) {
			return nil, apierr.NotFound(req.Root)
		}
		return buildTree(recs, rootID, treeFilter(req)), nil
	}
	recs, err := liveTree(ctx, h.db, orgID, rootID)
	if err != nil {
		return nil, err
	}
	if rootID != "" && len(recs) == 0 {
		return nil, apierr.NotFound(req.Root)
	}
	tree := buildTree(recs, rootID, treeFilter(req))
	if err := addLinked(ctx, h.db, orgID, tree, recs, auth.FromContext(ctx).Reads); err != nil {
		return nil, err
	}
	return tree, nil
}

// pastTree returns the elements of a tree that is not simply today's
// plan: the plan as of a time (as_of), or a cycle's part of it (cycle) —
// a closed cycle's as it was at its close.
func (h *elementsHandler) pastTree(ctx context.Context, orgID string, req *pb.GetElementTreeRequest) ([]*elementRecord, error) {
	var cycle *cycleRecord
	if req.Cycle != "" {
		id, err := optionalRef("cycle", "cycles", orgID, req.Cycle)
		if err != nil {
			return nil, err
		}
		if cycle, err = getCycle(ctx, h.db, orgID, id); errors.Is(err, resource.ErrNotFound) {
			return nil, apierr.NotFound(req.Cycle)
		} else if err != nil {
			return nil, err
		}
		if cycle.Msg.State == pb.Cycle_STATE_CLOSED {
			recs, _, err := frozen(ctx, h.db, orgID, id)
			return recs, err
		}
	}
	var recs []*elementRecord
	var err error
	if req.AsOf != nil {
		recs, err = elementsAsOf(ctx, h.elements, orgID, req.AsOf.AsTime())
	} else {
		recs, err = liveTree(ctx, h.db, orgID, "")
	}
	if err != nil || cycle == nil {
		return recs, err
	}
	part, _ := inCycle(recs, req.Cycle)
	return part, nil
}

func (h *elementsHandler) CompareElements(ctx context.Context, req *pb.CompareElementsRequest) (*pb.ElementComparison, error) {
	orgID, err := resource.ParseOrganisation("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	to := time.Now()
	if req.ToTime != nil {
		to = req.ToTime.AsTime()
	}
	if !to.After(req.FromTime.AsTime()) {
		return nil, apierr.InvalidArgument("to_time", "must be after from_time")
	}
	return compare(ctx, h.elements, orgID, req.FromTime.AsTime(), to)
}

// addLinked adds to tree the elements of other organisations linked by
// supports to the elements it shows (of recs, read with their supports),
// either way, and those links: a map draws them at its edge. Elements of
// organisations mayRead refuses are stubs.
func addLinked(ctx context.Context, q sqldb.Querier, orgID string, tree *pb.ElementTree, recs []*elementRecord, mayRead func(orgID string) bool) error {
	shown := map[string]bool{}
	var walk func([]*pb.ElementNode)
	walk = func(ns []*pb.ElementNode) {
		for _, n := range ns {
			shown[n.Element.Name] = true
			walk(n.Children)
		}
	}
	walk(tree.Roots)
	supporters, err := supportersFrom(ctx, q, orgID)
	if err != nil {
		return err
	}
	linked := map[string]*elementRecord{}
	for _, s := range supporters {
		for _, to := range s.Msg.Supports {
			if shown[to] {
				linked[s.Msg.Name] = s
				tree.Links = append(tree.Links, &pb.ThreadEdge{From: s.Msg.Name, To: to, Kind: pb.LinkKind_LINK_KIND_SUPPORTS})
			}
		}
	}
	for _, r := range recs {
		if !shown[r.Msg.Name] {
			continue
		}
		for _, l := range linksUp(r) {
			if l.orgID == orgID {
				continue
			}
			to := elementName(l.orgID, l.id)
			tree.Links = append(tree.Links, &pb.ThreadEdge{From: r.Msg.Name, To: to, Kind: l.kind})
			if linked[to] == nil {
				if linked[to], err = getElement(ctx, q, l.orgID, l.id); err != nil {
					return err
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(linked)) {
		r := linked[name]
		if mayRead(r.orgID) {
			tree.Linked = append(tree.Linked, r.Msg)
		} else {
			tree.Linked = append(tree.Linked, &pb.Element{Name: r.Msg.Name, Level: r.Msg.Level, Health: r.Msg.Health})
			tree.Restricted = append(tree.Restricted, r.Msg.Name)
		}
	}
	slices.SortFunc(tree.Links, func(a, b *pb.ThreadEdge) int {
		return cmp.Or(strings.Compare(a.From, b.From), strings.Compare(a.To, b.To))
	})
	return nil
}

// treeFilter returns whether an element matches the tree request's
// filters; nil when there are none.
func treeFilter(req *pb.GetElementTreeRequest) func(*pb.Element) bool {
	if req.OwnerTeam == "" && len(req.Statuses) == 0 && req.ActiveAt == nil {
		return nil
	}
	var at string
	if req.ActiveAt != nil {
		at = dates.Format(req.ActiveAt)
	}
	return func(e *pb.Element) bool {
		return (req.OwnerTeam == "" || e.OwnerTeam == req.OwnerTeam) &&
			(len(req.Statuses) == 0 || slices.Contains(req.Statuses, e.Status)) &&
			(at == "" || (dates.Format(e.StartDate) <= at && at <= dates.Format(e.EndDate)))
	}
}

// buildTree nests recs under their parents: the roots are rootID's element,
// or, for the whole plan, the elements without a live parent. With a
// filter, it keeps the matching elements and their ancestors.
func buildTree(recs []*elementRecord, rootID string, keep func(*pb.Element) bool) *pb.ElementTree {
	// Nodes, and their children's slices, live in a few arrays of len(recs)
	// and elements are found by position: per-node allocations and map
	// lookups are what grew faster than the tree did.
	index := make(map[string]int, len(recs))
	for i, r := range recs {
		index[r.id] = i
	}
	parent := make([]int, len(recs)) // -1: none in recs
	for i, r := range recs {
		p, ok := index[r.parentID]
		if !ok {
			p = -1
		}
		parent[i] = p
	}
	stays := make([]bool, len(recs))
	for i, r := range recs {
		if keep == nil {
			stays[i] = true
		} else if keep(r.Msg) {
			for j := i; j >= 0 && !stays[j]; j = parent[j] {
				stays[j] = true
			}
		}
	}
	isRoot := func(i int) bool { return recs[i].id == rootID || (rootID == "" && parent[i] < 0) }
	children := make([]int, len(recs))
	for i := range recs {
		if stays[i] && !isRoot(i) && parent[i] >= 0 {
			children[parent[i]]++
		}
	}
	nodes := make([]pb.ElementNode, len(recs))
	shared := make([]*pb.ElementNode, len(recs)) // every node's children, each node's its own stretch
	off := 0
	for i, r := range recs {
		nodes[i].Element = r.Msg
		nodes[i].Children = shared[off : off : off+children[i]]
		off += children[i]
	}
	tree := &pb.ElementTree{}
	for i := range recs {
		switch {
		case !stays[i]:
		case isRoot(i):
			tree.Roots = append(tree.Roots, &nodes[i])
		case parent[i] >= 0:
			p := &nodes[parent[i]]
			p.Children = append(p.Children, &nodes[i])
		}
	}
	sortNodes(tree.Roots)
	return tree
}

// sortNodes orders siblings by priority rank, then title, all the way down.
func sortNodes(nodes []*pb.ElementNode) {
	slices.SortFunc(nodes, func(a, b *pb.ElementNode) int {
		return cmp.Or(cmp.Compare(a.Element.PriorityRank, b.Element.PriorityRank),
			cmp.Compare(a.Element.Title, b.Element.Title), cmp.Compare(a.Element.Name, b.Element.Name))
	})
	for _, n := range nodes {
		sortNodes(n.Children)
	}
}

func (h *elementsHandler) GetIntegrityReport(ctx context.Context, req *pb.GetIntegrityReportRequest) (*pb.IntegrityReport, error) {
	orgID, err := resource.ParseOrganisation("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	var plan planState
	if req.AsOf != nil {
		plan, err = h.planAt(ctx, orgID, req.AsOf.AsTime())
	} else {
		plan, err = planNow(ctx, h.db, orgID)
	}
	if err != nil {
		return nil, err
	}
	return &pb.IntegrityReport{Findings: plan.findings()}, nil
}

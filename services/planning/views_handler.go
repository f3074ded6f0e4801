package planning

import (
	"cmp"
	"context"
	"slices"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// The golden thread as queries: an element's thread up to the vision, a
// plan tree with its roll-ups, and the plan's integrity report. Roll-ups
// are kept up to date as the plan and its KPIs change (rollup.go), so each
// query reads them as they are: a fixed number of queries whatever the
// size of the plan.

func (h *elementsHandler) GetElementThread(ctx context.Context, req *pb.GetElementThreadRequest) (*pb.ElementThread, error) {
	orgID, id, err := parseElementName("name", req.Name)
	if err != nil {
		return nil, err
	}
	recs, err := thread(ctx, h.db, orgID, id)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, apierr.NotFound(req.Name)
	}
	out := &pb.ElementThread{}
	for _, r := range recs {
		out.Elements = append(out.Elements, r.el)
	}
	return out, nil
}

func (h *elementsHandler) GetElementTree(ctx context.Context, req *pb.GetElementTreeRequest) (*pb.ElementTree, error) {
	orgID, err := parseOrgName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	rootID, err := sameOrgID("root", "elements", orgID, req.Root)
	if err != nil {
		return nil, err
	}
	if _, err := sameOrgID("owner_team", "teams", orgID, req.OwnerTeam); err != nil {
		return nil, err
	}
	if req.ActiveAt != nil {
		if err := checkDate("active_at", req.ActiveAt); err != nil {
			return nil, err
		}
	}
	recs, err := liveTree(ctx, h.db, orgID, rootID)
	if err != nil {
		return nil, err
	}
	if rootID != "" && len(recs) == 0 {
		return nil, apierr.NotFound(req.Root)
	}
	return buildTree(recs, rootID, treeFilter(req)), nil
}

// treeFilter returns whether an element matches the tree request's
// filters; nil when there are none.
func treeFilter(req *pb.GetElementTreeRequest) func(*pb.Element) bool {
	if req.OwnerTeam == "" && len(req.Statuses) == 0 && req.ActiveAt == nil {
		return nil
	}
	var at string
	if req.ActiveAt != nil {
		at = formatDate(req.ActiveAt)
	}
	return func(e *pb.Element) bool {
		return (req.OwnerTeam == "" || e.OwnerTeam == req.OwnerTeam) &&
			(len(req.Statuses) == 0 || slices.Contains(req.Statuses, e.Status)) &&
			(at == "" || (formatDate(e.StartDate) <= at && at <= formatDate(e.EndDate)))
	}
}

// buildTree nests recs under their parents: the roots are rootID's element,
// or, for the whole plan, the elements without a live parent. With a
// filter, it keeps the matching elements and their ancestors.
func buildTree(recs []*elementRecord, rootID string, keep func(*pb.Element) bool) *pb.ElementTree {
	nodes := make(map[string]*pb.ElementNode, len(recs))
	parents := make(map[string]string, len(recs))
	for _, r := range recs {
		nodes[r.id] = &pb.ElementNode{Element: r.el}
		parents[r.id] = r.parentID
	}
	var stays map[string]bool
	if keep != nil {
		stays = make(map[string]bool, len(recs))
		for _, r := range recs {
			if keep(r.el) {
				for id := r.id; id != "" && !stays[id]; id = parents[id] {
					stays[id] = true
				}
			}
		}
	}
	tree := &pb.ElementTree{}
	for _, r := range recs {
		if stays != nil && !stays[r.id] {
			continue
		}
		parent, ok := nodes[r.parentID]
		switch {
		case r.id == rootID || (rootID == "" && !ok):
			tree.Roots = append(tree.Roots, nodes[r.id])
		case ok:
			parent.Children = append(parent.Children, nodes[r.id])
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
	orgID, err := parseOrgName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	findings, err := integrityFindings(ctx, h.db, orgID, today())
	if err != nil {
		return nil, err
	}
	return &pb.IntegrityReport{Findings: findings}, nil
}

package planning

import (
	"cmp"
	"context"
	"path"
	"slices"
	"strings"
	"time"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/history"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The plan as it stood at a past time: each element as its latest
// revision before then left it (kit/history), with the health and
// progress its roll-up had then (element_changes). An element made before
// the history began stands, from its creation on, as it is now.

// elementsAsOf returns the elements of orgID live at at (the engine's
// StoodAt), with their supports, parents before children.
func elementsAsOf(ctx context.Context, elements resource.Engine[*elementRecord, *pb.Element], orgID string, at time.Time) ([]*elementRecord, error) {
	stood, err := elements.StoodAt(ctx, orgID, at)
	if err != nil {
		return nil, err
	}
	var recs []*elementRecord
	for _, el := range stood {
		if el.DeleteTime != nil {
			continue
		}
		r, err := recordOf(orgID, el)
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	if err := rollupsAsOf(ctx, elements.DB, orgID, at, recs); err != nil {
		return nil, err
	}
	return parentsFirst(recs), nil
}

// parentsFirst sorts recs by level, then id: every parent before its
// children.
func parentsFirst(recs []*elementRecord) []*elementRecord {
	slices.SortFunc(recs, func(a, b *elementRecord) int {
		return cmp.Or(cmp.Compare(a.Msg.Level, b.Msg.Level), strings.Compare(a.id, b.id))
	})
	return recs
}

// recordOf is the record of el, an element of orgID as it once stood (its
// revision, or a closed cycle's copy).
func recordOf(orgID string, el *pb.Element) (*elementRecord, error) {
	r := &elementRecord{Stored: resource.Hold(el), orgID: orgID, id: path.Base(el.Name)}
	return r, r.resolve()
}

// rollupsAsOf sets on recs the health and progress their roll-ups had at
// at: the latest recorded change by then, else the value the first change
// after it left; recs without a change keep theirs.
func rollupsAsOf(ctx context.Context, q sqldb.Querier, orgID string, at time.Time, recs []*elementRecord) error {
	type change struct {
		element, kind string
		when          int64
		from, to      int32
	}
	changes, err := sqldb.Select(ctx, q, "element changes", func(s sqldb.Scanner) (change, error) {
		var c change
		err := s.Scan(&c.element, &c.kind, &c.when, &c.from, &c.to)
		return c, err
	}, "SELECT element_id, kind, change_time, old_value, new_value FROM element_changes WHERE organisation_id = ? AND kind IN (?, ?) ORDER BY change_time",
		orgID, string(healthChange), string(progressChange))
	if err != nil {
		return err
	}
	type key struct{ element, kind string }
	value := map[key]int32{}
	for _, c := range changes {
		k := key{c.element, c.kind}
		if c.when <= at.UnixMicro() {
			value[k] = c.to
		} else if _, known := value[k]; !known {
			value[k] = c.from
		}
	}
	for _, r := range recs {
		if v, ok := value[key{r.id, string(healthChange)}]; ok {
			r.Msg.Health = pb.Health(v)
		}
		if v, ok := value[key{r.id, string(progressChange)}]; ok {
			r.Msg.Progress = v
		}
	}
	return nil
}

// compareFields are the fields a comparison of two dates lists: those a
// caller sets, and the health the roll-up computes.
var compareFields = append(slices.Clone(elementType.Updatable()), "health")

// compare says what changed in orgID's plan from one time to another.
func compare(ctx context.Context, elements resource.Engine[*elementRecord, *pb.Element], orgID string, from, to time.Time) (*pb.ElementComparison, error) {
	before, err := elementsAsOf(ctx, elements, orgID, from)
	if err != nil {
		return nil, err
	}
	after, err := elementsAsOf(ctx, elements, orgID, to)
	if err != nil {
		return nil, err
	}
	was := map[string]*pb.Element{}
	for _, r := range before {
		was[r.Msg.Name] = r.Msg
	}
	out := &pb.ElementComparison{}
	for _, r := range after {
		old, ok := was[r.Msg.Name]
		delete(was, r.Msg.Name)
		if !ok {
			out.Added = append(out.Added, r.Msg)
			continue
		}
		changes, err := history.Diff(old, r.Msg, compareFields)
		if err != nil {
			return nil, err
		}
		if len(changes) > 0 {
			out.Changed = append(out.Changed, &pb.ElementDifference{Element: r.Msg.Name, Title: r.Msg.Title, Changes: changes})
		}
	}
	for _, r := range before {
		if was[r.Msg.Name] != nil {
			out.Removed = append(out.Removed, r.Msg)
		}
	}
	slices.SortFunc(out.Changed, func(a, b *pb.ElementDifference) int { return strings.Compare(a.Title, b.Title) })
	return out, nil
}

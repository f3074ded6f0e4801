package planning

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// checkInDueSQL is checkInDue in SQL, in microseconds, of the element
// called table (an alias, or elements).
func checkInDueSQL(table string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "COALESCE(%[1]s.latest_check_in_time, %[1]s.create_time) + CASE %[1]s.check_in_frequency", table)
	for _, f := range slices.Sorted(maps.Keys(checkInPeriods)) {
		fmt.Fprintf(&b, " WHEN %d THEN %d", int32(f), checkInPeriods[f].Microseconds())
	}
	b.WriteString(" END")
	return b.String()
}

// threadOf reads the golden thread of element id: a walk up its links
// (linksUp), across organisations, nearest first, each element once and
// each link as an edge; the elements of organisations mayRead refuses are
// stubs. The walk ends: every link leads to a higher level but a defining
// objective's, which leads to a thematic goal, which has none such.
//
// get reads each element: as it is now (getElement), or as it stood at a
// time (elementsHandler.elementAt); the first one's NOT_FOUND names it.
func threadOf(orgID, id string, mayRead func(orgID string) bool, get func(orgID, id string) (*elementRecord, error)) (*pb.ElementThread, error) {
	first, err := get(orgID, id)
	if errors.Is(err, resource.ErrNotFound) {
		return nil, apierr.NotFound(elementName(orgID, id))
	}
	if err != nil {
		return nil, err
	}
	out := &pb.ElementThread{}
	seen := map[string]bool{first.Msg.Name: true}
	for queue := []*elementRecord{first}; len(queue) > 0; queue = queue[1:] {
		r := queue[0]
		if mayRead(r.orgID) {
			out.Elements = append(out.Elements, r.Msg)
		} else {
			out.Elements = append(out.Elements, &pb.Element{Name: r.Msg.Name, Level: r.Msg.Level, Health: r.Msg.Health})
			out.Restricted = append(out.Restricted, r.Msg.Name)
		}
		for _, l := range linksUp(r) {
			to := elementName(l.orgID, l.id)
			out.Edges = append(out.Edges, &pb.ThreadEdge{From: r.Msg.Name, To: to, Kind: l.kind})
			if seen[to] {
				continue
			}
			seen[to] = true
			next, err := get(l.orgID, l.id)
			if err != nil {
				return nil, err
			}
			queue = append(queue, next)
		}
	}
	return out, nil
}

// supportersFrom returns the live elements of other organisations that
// support an element of orgID, with their supports.
func supportersFrom(ctx context.Context, q sqldb.Querier, orgID string) ([]*elementRecord, error) {
	recs, err := queryElements(ctx, q, `SELECT `+qualified("e")+` FROM elements e
		JOIN (SELECT DISTINCT organisation_id, element_id FROM element_supports WHERE supported_organisation_id = ? AND organisation_id <> ?) s
		ON e.organisation_id = s.organisation_id AND e.id = s.element_id
		WHERE e.delete_time IS NULL ORDER BY e.organisation_id, e.id`, orgID, orgID)
	if err != nil {
		return nil, err
	}
	for start := 0; start < len(recs); {
		end := start + 1
		for end < len(recs) && recs[end].orgID == recs[start].orgID {
			end++
		}
		if err := loadSupports(ctx, q, recs[start].orgID, recs[start:end]); err != nil {
			return nil, err
		}
		start = end
	}
	return recs, nil
}

package planning

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path"

	"google.golang.org/protobuf/encoding/protojson"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// cycleRecord is a cycle as stored: the API resource, the ids its name
// holds, and its revision.
type cycleRecord struct {
	resource.Stored[*pb.Cycle]
	orgID, id string
}

var cyclesTable = resource.Table[*cycleRecord]{
	Name:    "cycles",
	Columns: "organisation_id, id, display_name, start_date, end_date, state, close_time, create_time, update_time, revision, update_actor, predecessor_id",
	Key:     2,
	Scan:    scanCycle,
	Values: func(r *cycleRecord) ([]any, error) {
		c := r.Msg
		predecessor := ""
		if c.Predecessor != "" {
			predecessor = path.Base(c.Predecessor)
		}
		return []any{r.orgID, r.id, c.DisplayName, dates.Format(c.StartDate), dates.Format(c.EndDate), int32(c.State),
			resource.NullMicros(c.CloseTime), resource.Micros(c.CreateTime), resource.Micros(c.UpdateTime), r.Rev, c.UpdateActor,
			predecessor}, nil
	},
}

// cycleListSchema says what ListCycles sorts on: newest first.
var cycleListSchema = resource.Schema[*cycleRecord, *pb.Cycle]("create_time desc", nil)

func scanCycle(s resource.Scanner) (*cycleRecord, error) {
	r := &cycleRecord{Stored: resource.Hold(&pb.Cycle{})}
	var start, end string
	var state int32
	var closed sql.NullInt64
	var stamps resource.Stamps
	var predecessor string
	if err := s.Scan(&r.orgID, &r.id, &r.Msg.DisplayName, &start, &end, &state, &closed, &stamps.Create, &stamps.Update,
		&r.Rev, &r.Msg.UpdateActor, &predecessor); err != nil {
		return nil, err
	}
	if predecessor != "" {
		r.Msg.Predecessor = resource.NameOf[*pb.Cycle](r.orgID, predecessor)
	}
	c := r.Msg
	c.Name = resource.NameOf[*pb.Cycle](r.orgID, r.id)
	c.StartDate, c.EndDate, c.State = dates.Parse(start), dates.Parse(end), pb.Cycle_State(state)
	c.CloseTime = resource.NullTime(closed)
	c.CreateTime, c.UpdateTime, _ = stamps.Times()
	c.Etag = resource.Etag(r.Rev)
	return r, nil
}

// unfinished returns the live elements of cycle that are neither done nor
// dropped, parents before children.
func unfinished(ctx context.Context, q sqldb.Querier, cycle *cycleRecord) ([]*elementRecord, error) {
	recs, err := elementRows.All(ctx, q, "organisation_id = ? AND cycle_id = ? AND delete_time IS NULL AND status NOT IN (?, ?) ORDER BY level, id",
		cycle.orgID, cycle.id, int32(pb.Status_STATUS_DONE), int32(pb.Status_STATUS_DROPPED))
	if err != nil {
		return nil, err
	}
	return recs, loadSupports(ctx, q, cycle.orgID, recs)
}

// getCycle reads the cycle id of orgID, ErrNotFound when there is none.
func getCycle(ctx context.Context, q sqldb.Querier, orgID, id string) (*cycleRecord, error) {
	return cyclesTable.Get(ctx, q, orgID, id)
}

// freeze records how the elements in recs ended with the cycle's close:
// each as it is, with its KPIs' statuses; own marks the cycle's own.
func freeze(ctx context.Context, tx *sqldb.Tx, cycle *cycleRecord, recs []*elementRecord, own map[string]bool) error {
	statuses, err := kpiStatuses(ctx, tx, cycle.orgID)
	if err != nil {
		return err
	}
	for _, r := range recs {
		el, err := protojson.Marshal(r.Msg)
		if err != nil {
			return fmt.Errorf("freeze %s: %w", r.Msg.Name, err)
		}
		kpis, err := json.Marshal(statuses[r.id])
		if err != nil {
			return fmt.Errorf("freeze %s: %w", r.Msg.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO cycle_elements (organisation_id, cycle_id, element_id, own, element, kpi_statuses) VALUES (?, ?, ?, ?, ?, ?)",
			cycle.orgID, cycle.id, r.id, sqldb.Bool(own[r.id]), string(el), string(kpis)); err != nil {
			return fmt.Errorf("freeze %s: %w", r.Msg.Name, err)
		}
	}
	return nil
}

// kpiStatuses are the statuses of the KPIs of orgID's elements, by element
// id and then KPI name.
func kpiStatuses(ctx context.Context, q sqldb.Querier, orgID string) (map[string]map[string]string, error) {
	type row struct {
		element, kpi string
		status       int32
	}
	rows, err := sqldb.Select(ctx, q, "kpi statuses", func(s sqldb.Scanner) (row, error) {
		var r row
		err := s.Scan(&r.element, &r.kpi, &r.status)
		return r, err
	}, "SELECT element_id, kpi_id, status FROM element_kpis WHERE organisation_id = ?", orgID)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, r := range rows {
		if out[r.element] == nil {
			out[r.element] = map[string]string{}
		}
		out[r.element]["organisations/"+orgID+"/kpis/"+r.kpi] = kpipb.KpiStatus(r.status).String()
	}
	return out, nil
}

// frozen reads how a closed cycle's elements ended: all of them as
// records (for its tree), and its own as outcomes.
func frozen(ctx context.Context, q sqldb.Querier, orgID, cycleID string) ([]*elementRecord, []*pb.CycleOutcome, error) {
	type row struct {
		own           int
		element, kpis string
	}
	rows, err := sqldb.Select(ctx, q, "cycle elements", func(s sqldb.Scanner) (row, error) {
		var r row
		err := s.Scan(&r.own, &r.element, &r.kpis)
		return r, err
	}, "SELECT own, element, kpi_statuses FROM cycle_elements WHERE organisation_id = ? AND cycle_id = ? ORDER BY element_id", orgID, cycleID)
	if err != nil {
		return nil, nil, err
	}
	var recs []*elementRecord
	var outcomes []*pb.CycleOutcome
	for _, row := range rows {
		el := &pb.Element{}
		if err := protojson.Unmarshal([]byte(row.element), el); err != nil {
			return nil, nil, fmt.Errorf("frozen element: %w", err)
		}
		r, err := recordOf(orgID, el)
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, r)
		if row.own == 1 {
			o := &pb.CycleOutcome{Element: el}
			if err := json.Unmarshal([]byte(row.kpis), &o.KpiStatuses); err != nil {
				return nil, nil, fmt.Errorf("frozen kpi statuses: %w", err)
			}
			outcomes = append(outcomes, o)
		}
	}
	return recs, outcomes, nil
}

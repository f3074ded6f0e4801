package kpis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// measurementRecord is a measurement as stored: the API resource and its
// revision.
type measurementRecord struct {
	resource.Stored[*pb.Measurement]
	orgID, kpiID, id string
}

var measurementsTable = resource.Table[*measurementRecord]{
	Name: "measurements",
	Columns: "organisation_id, kpi_id, id, period_end, value, note, source, history, " +
		"create_time, update_time, delete_time, revision, update_actor",
	Key:    3,
	Scan:   scanMeasurement,
	Values: (*measurementRecord).values,
}

// measurementListSchema lists measurements in period order.
var measurementListSchema = &listing.Schema[*measurementRecord]{
	Fields: []listing.Field[*measurementRecord]{
		{Name: "period_end", Column: "period_end", Kind: listing.String, Sort: true,
			Key: func(r *measurementRecord) any { return dates.Format(r.Msg.PeriodEnd) }},
	},
	IDColumn:     "id",
	ID:           func(r *measurementRecord) string { return r.id },
	DefaultOrder: "period_end",
}

// measurementSelection is what a ListMeasurements selects: a KPI's
// measurements (every KPI's of the organisation when kpiID is ""), with
// period ends from..to and recorded since..until where those are set.
type measurementSelection struct {
	orgID, kpiID, from, to string
	since, until           int64
}

// listMeasurements pages through the measurements sel selects.
func listMeasurements(ctx context.Context, q sqldb.Querier, sel measurementSelection, plan *listing.Plan[*measurementRecord],
	showDeleted bool) ([]*measurementRecord, error) {
	scope, args := "organisation_id = ?", []any{sel.orgID}
	for _, term := range []struct {
		where string
		arg   any
		set   bool
	}{
		{" AND kpi_id = ?", sel.kpiID, sel.kpiID != ""},
		{" AND period_end >= ?", sel.from, sel.from != ""},
		{" AND period_end <= ?", sel.to, sel.to != ""},
		{" AND create_time >= ?", sel.since, sel.since != 0},
		{" AND create_time < ?", sel.until, sel.until != 0},
	} {
		if term.set {
			scope += term.where
			args = append(args, term.arg)
		}
	}
	return measurementsTable.Page(ctx, q, plan, showDeleted, scope, args...)
}

// allLive returns a KPI's live measurements in period order.
func allLive(ctx context.Context, q sqldb.Querier, orgID, kpiID string) ([]*measurementRecord, error) {
	return measurementsTable.All(ctx, q, "organisation_id = ? AND kpi_id = ? AND delete_time IS NULL ORDER BY period_end", orgID, kpiID)
}

// liveOf returns the live measurements of the KPIs kpiIDs of orgID, each
// KPI's in period order, by KPI id: a query per 500 KPIs, not one each.
func liveOf(ctx context.Context, q sqldb.Querier, orgID string, kpiIDs []string) (map[string][]*measurementRecord, error) {
	out := map[string][]*measurementRecord{}
	for chunk := range slices.Chunk(kpiIDs, 500) {
		in, args := resource.In("kpi_id", chunk)
		recs, err := measurementsTable.All(ctx, q, "organisation_id = ? AND "+in+" AND delete_time IS NULL ORDER BY kpi_id, period_end",
			append([]any{orgID}, args...)...)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			out[r.kpiID] = append(out[r.kpiID], r)
		}
	}
	return out, nil
}

// latestPeriods returns up to n of a KPI's live measurements, newest first,
// as the status rule reads them.
func latestPeriods(ctx context.Context, q sqldb.Querier, orgID, kpiID string, n int) ([]period, error) {
	return sqldb.Select(ctx, q, "latest measurements", func(s sqldb.Scanner) (p period, err error) {
		return p, s.Scan(&p.end, &p.value)
	}, "SELECT period_end, value FROM measurements WHERE organisation_id = ? AND kpi_id = ? "+
		"AND delete_time IS NULL ORDER BY period_end DESC LIMIT "+strconv.Itoa(n), orgID, kpiID)
}

// livePeriods returns which of the given periods of each KPI (period
// ends by KPI id) already have a live measurement, keyed by
// kpiID + "/" + period. It looks up only those periods, through the live
// period index, so that recording costs the same however long a KPI's
// history is.
func livePeriods(ctx context.Context, q sqldb.Querier, orgID string, periods map[string][]string) (map[string]bool, error) {
	out := map[string]bool{}
	for kpiID, ends := range periods {
		for start := 0; start < len(ends); start += 512 {
			chunk := ends[start:min(start+512, len(ends))]
			// The list is padded to a power of two with its last period,
			// so that few distinct statements are prepared.
			n := 1
			for n < len(chunk) {
				n *= 2
			}
			padded := make([]string, n)
			for i := range n {
				padded[i] = chunk[min(i, len(chunk)-1)]
			}
			in, args := resource.In("period_end", padded)
			rows, err := q.QueryContext(ctx, "SELECT period_end FROM measurements WHERE organisation_id = ? AND kpi_id = ? "+
				"AND delete_time IS NULL AND "+in, append([]any{orgID, kpiID}, args...)...)
			if err != nil {
				return nil, fmt.Errorf("live periods: %w", err)
			}
			for rows.Next() {
				var p string
				if err := rows.Scan(&p); err != nil {
					rows.Close()
					return nil, fmt.Errorf("live periods: %w", err)
				}
				out[kpiID+"/"+p] = true
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("live periods: %w", err)
			}
		}
	}
	return out, nil
}

// insertMeasurements stores new measurements, many rows per statement:
// a batch of 10,000 is 100 statements, not 10,000.
func insertMeasurements(ctx context.Context, tx *sqldb.Tx, recs []*measurementRecord) error {
	const perStatement = 100
	const cols = 13
	row := "(" + resource.Placeholders(cols) + ")"
	for start := 0; start < len(recs); start += perStatement {
		chunk := recs[start:min(start+perStatement, len(recs))]
		args := make([]any, 0, len(chunk)*cols)
		for _, r := range chunk {
			v, err := r.values()
			if err != nil {
				return err
			}
			args = append(args, v...)
		}
		q := "INSERT INTO measurements (" + measurementsTable.Columns + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert measurements: %w", err)
		}
	}
	return nil
}

// storedCorrection is a Correction's JSON form in the history column.
type storedCorrection struct {
	Value  float64 `json:"value"`
	Note   string  `json:"note,omitempty"`
	Source string  `json:"source,omitempty"`
	Actor  string  `json:"actor"`
	Time   int64   `json:"time"`
}

// values are the row's columns in measurementsTable's order.
func (r *measurementRecord) values() ([]any, error) {
	m := r.Msg
	history := make([]storedCorrection, 0, len(m.History))
	for _, c := range m.History {
		history = append(history, storedCorrection{Value: c.Value, Note: c.Note, Source: c.Source, Actor: c.Actor,
			Time: resource.Micros(c.Time)})
	}
	h, err := json.Marshal(history)
	if err != nil {
		return nil, fmt.Errorf("measurement history: %w", err)
	}
	return []any{r.orgID, r.kpiID, r.id, dates.Format(m.PeriodEnd), m.GetValue(), m.Note, m.Source, string(h),
		resource.Micros(m.CreateTime), resource.Micros(m.UpdateTime), resource.NullMicros(m.DeleteTime), r.Rev, m.UpdateActor}, nil
}

func scanMeasurement(s resource.Scanner) (*measurementRecord, error) {
	var (
		r            = &measurementRecord{Stored: resource.Hold(&pb.Measurement{})}
		periodEnd, h string
		stamps       resource.Stamps
	)
	m := r.Msg
	err := s.Scan(&r.orgID, &r.kpiID, &r.id, &periodEnd, &m.Value, &m.Note, &m.Source, &h, &stamps.Create, &stamps.Update, &stamps.Delete,
		&r.Rev, &m.UpdateActor)
	if err != nil {
		return nil, err // measurementsTable names the table, and tells sql.ErrNoRows apart
	}
	var history []storedCorrection
	if err := json.Unmarshal([]byte(h), &history); err != nil {
		return nil, fmt.Errorf("measurement %s history: %w", r.id, err)
	}
	for _, c := range history {
		m.History = append(m.History, &pb.Correction{Value: c.Value, Note: c.Note, Source: c.Source, Actor: c.Actor,
			Time: resource.Time(c.Time)})
	}
	m.Name = measurementName(r.orgID, r.kpiID, r.id)
	m.PeriodEnd = dates.Parse(periodEnd)
	m.CreateTime, m.UpdateTime, m.DeleteTime = stamps.Times()
	m.Etag = resource.Etag(r.Rev)
	return r, nil
}

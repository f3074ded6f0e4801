package kpis

import (
	"context"
	"fmt"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// kpiRecord is a KPI as stored: the API resource, its revision, and what
// the service keeps beside it.
type kpiRecord struct {
	resource.Stored[*pb.Kpi]
	orgID, id string
	// deletedWithOrg records that the organisation's deletion deleted the
	// KPI, so that its undeletion restores it.
	deletedWithOrg bool
	// elementStatus and elementEnd are its element's status and end date
	// (YYYY-MM-DD), which close the KPI (closureOf); kept from the element's
	// events.
	elementStatus planningpb.Status
	elementEnd    string
}

// setElement keeps what closes the KPI of el.
func (r *kpiRecord) setElement(el *planningpb.Element) {
	r.elementStatus, r.elementEnd = el.GetStatus(), orEmpty(el.GetEndDate())
}

var kpisTable = resource.Table[*kpiRecord]{
	Name: "kpis",
	Columns: "organisation_id, id, title, description, unit, currency_code, direction, baseline, targets, thresholds, " +
		"frequency, element_id, owner_team_id, data_source, latest_value, latest_period_end, status, trend, due_date, " +
		"element_deleted, create_time, update_time, delete_time, deleted_with_organisation, revision, update_actor, " +
		"retired, closure, element_status, element_end_date",
	Key:    2,
	Scan:   scanKpi,
	Values: (*kpiRecord).values,
}

// kpiListSchema says what ListKpis may filter and sort on.
var kpiListSchema = resource.Schema[*kpiRecord, *pb.Kpi]("title", []listing.Field[*kpiRecord]{
	{Name: "title", Column: "title", Kind: listing.String, Filter: true, Sort: true,
		Key: func(r *kpiRecord) any { return r.Msg.Title }},
	{Name: "status", Column: "status", Kind: listing.Enum, Enum: pb.KpiStatus_value, Filter: true},
	resource.NameField[*kpiRecord]("element", "elements", "element_id", "id", false),
	resource.NameField[*kpiRecord]("owner_team", "teams", "owner_team_id", "id", false),
})

// lockKpis serialises the transactions that change an organisation's KPIs
// or recompute their status. Each reads a KPI and its latest values and
// writes the status that follows; without the lock, two concurrent ones on
// PostgreSQL would each miss the other's change and the last to commit
// would leave a status that ignores a value (a lost update).
func lockKpis(ctx context.Context, tx *sqldb.Tx, orgID string) error {
	return tx.Lock(ctx, "kpis/organisation/"+orgID)
}

// kpiLock is lockKpis as a Lock hook: ids start with the organisation's.
func kpiLock(ctx context.Context, tx *sqldb.Tx, ids []string) error { return lockKpis(ctx, tx, ids[0]) }

// kpisWhere returns the KPIs matching where.
func kpisWhere(ctx context.Context, q sqldb.Querier, where string, args ...any) ([]*kpiRecord, error) {
	return kpisTable.All(ctx, q, where+" ORDER BY organisation_id, id", args...)
}

// kpisByID reads the KPIs of the organisation orgID with the given ids
// ("" and repeats are skipped), by id; ids without a KPI are left out.
func kpisByID(ctx context.Context, q sqldb.Querier, orgID string, ids []string) (map[string]*kpiRecord, error) {
	seen := map[string]bool{}
	var distinct []string
	for _, id := range ids {
		if !seen[id] && id != "" {
			seen[id] = true
			distinct = append(distinct, id)
		}
	}
	out := map[string]*kpiRecord{}
	for start := 0; start < len(distinct); start += 500 {
		chunk := distinct[start:min(start+500, len(distinct))]
		in, args := resource.In("id", chunk)
		recs, err := kpisWhere(ctx, q, "organisation_id = ? AND "+in, append([]any{orgID}, args...)...)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			out[r.id] = r
		}
	}
	return out, nil
}

// setComputed stores what a KPI's measurements and its element made of
// it: computed, not the caller's content, so neither revision nor etag
// changes.
func setComputed(ctx context.Context, tx *sqldb.Tx, r *kpiRecord) error {
	k := r.Msg
	_, err := tx.ExecContext(ctx, `UPDATE kpis SET latest_value = ?, latest_period_end = ?, status = ?, trend = ?, due_date = ?,
		element_deleted = ?, closure = ?, element_status = ?, element_end_date = ? WHERE organisation_id = ? AND id = ?`,
		k.LatestValue, dateOrEmpty(k), int32(k.Status), int32(k.Trend), orEmpty(k.ValueDueDate), sqldb.Bool(k.ElementDeleted),
		int32(k.Closure), int32(r.elementStatus), r.elementEnd, r.orgID, r.id)
	if err != nil {
		return fmt.Errorf("update kpi status: %w", err)
	}
	return nil
}

// encodeGrading is how a KPI's row, and each version of its targets,
// keep targets and thresholds: as JSON.
func encodeGrading(targets []*pb.Target, thresholds *pb.Thresholds) (string, string, error) {
	t, err := protojson.Marshal(&pb.Kpi{Targets: targets})
	if err != nil {
		return "", "", fmt.Errorf("targets: %w", err)
	}
	th, err := protojson.Marshal(thresholds)
	if err != nil {
		return "", "", fmt.Errorf("thresholds: %w", err)
	}
	return string(t), string(th), nil
}

// decodeGrading reads what encodeGrading wrote.
func decodeGrading(targets, thresholds string) ([]*pb.Target, *pb.Thresholds, error) {
	var withTargets pb.Kpi
	if err := protojson.Unmarshal([]byte(targets), &withTargets); err != nil {
		return nil, nil, fmt.Errorf("targets: %w", err)
	}
	th := &pb.Thresholds{}
	if err := protojson.Unmarshal([]byte(thresholds), th); err != nil {
		return nil, nil, fmt.Errorf("thresholds: %w", err)
	}
	return withTargets.Targets, th, nil
}

func dateOrEmpty(k *pb.Kpi) string { return orEmpty(k.LatestPeriodEnd) }

// orEmpty is a date as stored: "" for none.
func orEmpty(d *date.Date) string {
	if d == nil {
		return ""
	}
	return dates.Format(d)
}

// values are the row's columns in kpisTable.Columns order. The element
// and owner team are stored by id: the rules keep them in the KPI's
// organisation.
func (r *kpiRecord) values() ([]any, error) {
	k := r.Msg
	elementID, err := resource.InOrganisation("kpi.element", "elements", r.orgID, k.Element)
	if err != nil {
		return nil, fmt.Errorf("kpi %s: %w", r.id, err)
	}
	ownerTeamID, err := resource.InOrganisation("kpi.owner_team", "teams", r.orgID, k.OwnerTeam)
	if err != nil {
		return nil, fmt.Errorf("kpi %s: %w", r.id, err)
	}
	var baseline []byte
	if k.Baseline != nil {
		if baseline, err = protojson.Marshal(k.Baseline); err != nil {
			return nil, fmt.Errorf("kpi baseline: %w", err)
		}
	}
	targets, thresholds, err := encodeGrading(k.Targets, k.Thresholds)
	if err != nil {
		return nil, fmt.Errorf("kpi %s: %w", r.id, err)
	}
	return []any{r.orgID, r.id, k.Title, k.Description, int32(k.Unit), k.CurrencyCode, int32(k.Direction), string(baseline),
		targets, thresholds, int32(k.Frequency), elementID, ownerTeamID, k.DataSource, k.LatestValue,
		dateOrEmpty(k), int32(k.Status), int32(k.Trend), orEmpty(k.ValueDueDate), sqldb.Bool(k.ElementDeleted), resource.Micros(k.CreateTime),
		resource.Micros(k.UpdateTime), resource.NullMicros(k.DeleteTime), sqldb.Bool(r.deletedWithOrg), r.Rev, k.UpdateActor,
		sqldb.Bool(k.Retired), int32(k.Closure), int32(r.elementStatus), r.elementEnd}, nil
}

func scanKpi(s resource.Scanner) (*kpiRecord, error) {
	var (
		r                                = &kpiRecord{Stored: resource.Hold(&pb.Kpi{})}
		unit, direction, freq, st, trend int32
		closure, elementStatus           int32
		retired                          int
		baseline, targets, thresholds    string
		elementID, ownerTeamID, latest   string
		due                              string
		elementDeleted, withOrg          int
		stamps                           resource.Stamps
	)
	k := r.Msg
	err := s.Scan(&r.orgID, &r.id, &k.Title, &k.Description, &unit, &k.CurrencyCode, &direction, &baseline, &targets, &thresholds,
		&freq, &elementID, &ownerTeamID, &k.DataSource, &k.LatestValue, &latest, &st, &trend, &due,
		&elementDeleted, &stamps.Create, &stamps.Update, &stamps.Delete, &withOrg, &r.Rev, &k.UpdateActor,
		&retired, &closure, &elementStatus, &r.elementEnd)
	if err != nil {
		return nil, err // kpisTable names the table, and tells sql.ErrNoRows apart
	}
	if baseline != "" {
		k.Baseline = &pb.Baseline{}
		if err := protojson.Unmarshal([]byte(baseline), k.Baseline); err != nil {
			return nil, fmt.Errorf("kpi %s baseline: %w", r.id, err)
		}
	}
	if k.Targets, k.Thresholds, err = decodeGrading(targets, thresholds); err != nil {
		return nil, fmt.Errorf("kpi %s: %w", r.id, err)
	}
	k.Name = kpiName(r.orgID, r.id)
	k.Unit, k.Direction, k.Frequency = pb.Unit(unit), pb.Direction(direction), pb.Frequency(freq)
	k.Status, k.Trend = pb.KpiStatus(st), pb.Trend(trend)
	k.Element = "organisations/" + r.orgID + "/elements/" + elementID
	k.OwnerTeam = "organisations/" + r.orgID + "/teams/" + ownerTeamID
	if latest != "" {
		k.LatestPeriodEnd = dates.Parse(latest)
	}
	if due != "" {
		k.ValueDueDate = dates.Parse(due)
	}
	k.ElementDeleted = elementDeleted == 1
	k.Retired, k.Closure, r.elementStatus = retired == 1, pb.Kpi_Closure(closure), planningpb.Status(elementStatus)
	k.CreateTime, k.UpdateTime, k.DeleteTime = stamps.Times()
	k.Etag = resource.Etag(r.Rev)
	r.deletedWithOrg = withOrg == 1
	return r, nil
}

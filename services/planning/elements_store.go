package planning

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// elementRecord is an element as stored: the API resource and the ids and
// values only storage needs.
type elementRecord struct {
	resource.Stored[*pb.Element]
	orgID, id                           string
	parentID, ownerTeamID, thematicGoal string
	manualProgress                      int32
	deletedWithOrg                      bool
	// deletedWith is the id of the element whose forced deletion took
	// this one with it, "" for none.
	deletedWith string
	// cycleID is the id of the element's planning cycle, "" for none;
	// predecessorID that of the element of an earlier cycle it continues.
	cycleID, predecessorID string
}

const elementColumns = "organisation_id, id, level, objective_kind, title, description, owner_team_id, owner_team_deleted, " +
	"start_date, end_date, status, priority_rank, manual_progress, progress, kpi_health, health, parent_id, thematic_goal_id, " +
	"create_time, update_time, delete_time, deleted_with_organisation, revision, update_actor, health_drivers, health_change_time, " +
	"check_in_frequency, latest_check_in, latest_check_in_time, deleted_with, cycle_id, predecessor_id"

// elementRows reads element rows without their supports, which loadSupports
// adds to a batch in one more query where the caller needs them.
var elementRows = resource.Table[*elementRecord]{Name: "elements", Columns: elementColumns, Key: 2, Scan: scanElement,
	Values: func(r *elementRecord) ([]any, error) { return r.values(), nil }}

// elementListSchema says what ListElements may filter and sort on.
var elementListSchema = resource.Schema[*elementRecord, *pb.Element]("priority_rank, title", []listing.Field[*elementRecord]{
	{Name: "level", Column: "level", Kind: listing.Enum, Enum: pb.Level_value, Filter: true},
	{Name: "objective_kind", Column: "objective_kind", Kind: listing.Enum, Enum: pb.ObjectiveKind_value, Filter: true},
	{Name: "status", Column: "status", Kind: listing.Enum, Enum: pb.Status_value, Filter: true},
	resource.NameField[*elementRecord]("parent", "elements", "parent_id", "id", true),
	// Every element has an owner team, so "" matches none.
	resource.NameField[*elementRecord]("owner_team", "teams", "owner_team_id", "id", true),
	{Name: "title", Column: "title", Kind: listing.String, Filter: true, Sort: true,
		Key: func(r *elementRecord) any { return r.Msg.Title }},
	{Name: "priority_rank", Column: "priority_rank", Kind: listing.Int, Sort: true,
		Key: func(r *elementRecord) any { return int64(r.Msg.PriorityRank) }},
})

// getElement reads an element with what it supports in one query: a Get
// is two reads otherwise, and on SQLite each read is a transaction of its
// own. The supported elements come as one more column, each as
// {organisation}/{id}, joined by the dialect's string aggregate.
func getElement(ctx context.Context, q sqldb.Querier, orgID, id string) (*elementRecord, error) {
	withSupports := resource.Table[*elementRecord]{Name: "elements", Scan: scanWithSupports,
		Columns: elementColumns + ", (SELECT " + q.Dialect().JoinStrings("s.supported_organisation_id || '/' || s.supported_id") +
			" FROM element_supports s WHERE s.organisation_id = elements.organisation_id AND s.element_id = elements.id)"}
	return withSupports.One(ctx, q, "organisation_id = ? AND id = ?", orgID, id)
}

// scanWithSupports reads a row of elementColumns followed by the elements
// it supports, joined with commas (NULL for none).
func scanWithSupports(s resource.Scanner) (*elementRecord, error) {
	var supports sql.NullString
	r, err := scanElement(alsoScanning{s, &supports})
	if err != nil || supports.String == "" {
		return r, err
	}
	for _, both := range strings.Split(supports.String, ",") {
		org, id, _ := strings.Cut(both, "/")
		r.Msg.Supports = append(r.Msg.Supports, elementName(org, id))
	}
	slices.Sort(r.Msg.Supports) // as loadSupports orders them
	return r, nil
}

// alsoScanning scans one more column after those its caller asks for.
type alsoScanning struct {
	s     resource.Scanner
	extra any
}

func (a alsoScanning) Scan(dest ...any) error { return a.s.Scan(append(dest, a.extra)...) }

// listElements selects one page of ListElements, with the elements'
// supports.
func listElements(ctx context.Context, q sqldb.Querier, orgID string, plan *listing.Plan[*elementRecord], showDeleted bool) ([]*elementRecord, error) {
	recs, err := elementRows.Page(ctx, q, plan, showDeleted, "organisation_id = ?", orgID)
	if err != nil {
		return nil, err
	}
	return recs, loadSupports(ctx, q, orgID, recs)
}

// liveTree returns the live elements of the organisation, or of the
// subtree under rootID, and their supports: two queries whatever the size.
func liveTree(ctx context.Context, q sqldb.Querier, orgID, rootID string) ([]*elementRecord, error) {
	if rootID != "" {
		return subtree(ctx, q, orgID, rootID)
	}
	recs, err := elementRows.All(ctx, q, "organisation_id = ? AND delete_time IS NULL", orgID)
	if err != nil {
		return nil, err
	}
	return recs, loadSupports(ctx, q, orgID, recs)
}

// subtree returns the element and its live descendants, parents first,
// with their supports (a forced deletion saves them all).
func subtree(ctx context.Context, q sqldb.Querier, orgID, id string) ([]*elementRecord, error) {
	recs, err := queryElements(ctx, q, `WITH RECURSIVE sub (id, depth) AS (
			SELECT id, 0 FROM elements WHERE organisation_id = ? AND id = ?
			UNION ALL
			SELECT e.id, s.depth + 1 FROM elements e JOIN sub s ON e.parent_id = s.id
			WHERE e.organisation_id = ? AND e.delete_time IS NULL AND s.depth < 10
		)
		SELECT `+qualified("e")+` FROM elements e JOIN sub s ON e.id = s.id WHERE e.organisation_id = ? ORDER BY s.depth`,
		orgID, id, orgID, orgID)
	if err != nil {
		return nil, err
	}
	return recs, loadSupports(ctx, q, orgID, recs)
}

// takenWithWhere selects the elements of an organisation a forced
// deletion of an element took with it, through elements_taken_with, which
// holds those only (migration 0015).
const takenWithWhere = "organisation_id = ? AND deleted_with = ? AND deleted_with <> '' AND delete_time IS NOT NULL ORDER BY level, id"

// takenWith returns the deleted elements the forced deletion of element id
// took with it, parents before children (a parent is one level up).
func takenWith(ctx context.Context, q sqldb.Querier, orgID, id string) ([]*elementRecord, error) {
	recs, err := queryElements(ctx, q, "SELECT "+elementColumns+" FROM elements WHERE "+takenWithWhere, orgID, id)
	if err != nil {
		return nil, err
	}
	return recs, loadSupports(ctx, q, orgID, recs)
}

// loadSupports fills in the supports of recs with one query.
func loadSupports(ctx context.Context, q sqldb.Querier, orgID string, recs []*elementRecord) error {
	if len(recs) == 0 {
		return nil
	}
	byID := make(map[string]*elementRecord, len(recs))
	for _, r := range recs {
		byID[r.id] = r
	}
	const query = "SELECT element_id, supported_organisation_id, supported_id FROM element_supports WHERE organisation_id = ?"
	where, args := "", []any{orgID}
	if len(recs) <= 500 {
		in, ids := resource.In("element_id", slices.Collect(maps.Keys(byID)))
		where, args = " AND "+in, append(args, ids...)
	}
	rows, err := q.QueryContext(ctx, query+where, args...)
	if err != nil {
		return fmt.Errorf("read supports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var elementID, supportedOrg, supportedID string
		if err := rows.Scan(&elementID, &supportedOrg, &supportedID); err != nil {
			return fmt.Errorf("read supports: %w", err)
		}
		if r := byID[elementID]; r != nil {
			r.Msg.Supports = append(r.Msg.Supports, elementName(supportedOrg, supportedID))
		}
	}
	for _, r := range recs {
		slices.Sort(r.Msg.Supports)
	}
	return rows.Err()
}

// rollupState is what the roll-up of an element reads: the fields of its
// own the rule takes, its roll-ups as stored, the worst health of the KPIs
// that measure it, and its inputs.
type rollupState struct {
	level             pb.Level
	status            pb.Status
	manualProgress    int32
	kpiHealth, health pb.Health
	progress          int32
	drivers           []*pb.HealthDriver
	// own is its KPIs' worst health, as their statuses say now.
	own pb.Health
	in  inputs
}

// readRollup reads the roll-up state of element id in one query, and one
// more for its drivers when an input's health is known: resource.ErrNotFound
// when there is no such element. Of its inputs — its children, its defining
// objectives (a thematic goal's) and the elements that support it — it
// reads the count and progress sum its writes keep (moveShare), the worst
// health below it, and up to maxDrivers of the inputs that have it. Each is
// an index probe (migrations 0006 and 0015), so the cost does not grow with
// the number of inputs. Its KPIs come as the set of their statuses, a bit
// each, which kpiHealth maps.
func readRollup(ctx context.Context, q sqldb.Querier, orgID, id string) (rollupState, error) {
	const live = " AND delete_time IS NULL AND status <> 5" // as the partial indexes say, literally
	var st rollupState
	var level, status, kpiH, health int32
	var drivers string
	var byParent, byGoal, bySupporter sql.NullInt32
	var statuses int64
	err := q.QueryRowContext(ctx, `SELECT level, status, manual_progress, kpi_health, health, progress, health_drivers, inputs_count, inputs_progress,
		(SELECT MAX(health) FROM elements WHERE organisation_id = ? AND parent_id = ?`+live+`),
		(SELECT MAX(health) FROM elements WHERE organisation_id = ? AND thematic_goal_id = ?`+live+definer+`),
		(SELECT MAX(health) FROM element_supports WHERE supported_organisation_id = ? AND supported_id = ?),
		(SELECT COALESCE(SUM(DISTINCT 1 << status), 0) FROM element_kpis WHERE organisation_id = ? AND element_id = ?)
		FROM elements WHERE organisation_id = ? AND id = ?`, orgID, id, orgID, id, orgID, id, orgID, id, orgID, id).
		Scan(&level, &status, &st.manualProgress, &kpiH, &health, &st.progress, &drivers, &st.in.count, &st.in.progressSum,
			&byParent, &byGoal, &bySupporter, &statuses)
	if errors.Is(err, sql.ErrNoRows) {
		return st, resource.ErrNotFound
	}
	if err != nil {
		return st, fmt.Errorf("read roll-up of %s: %w", elementName(orgID, id), err)
	}
	st.level, st.status, st.kpiHealth, st.health = pb.Level(level), pb.Status(status), pb.Health(kpiH), pb.Health(health)
	if st.drivers, err = readDrivers(drivers); err != nil {
		return st, fmt.Errorf("element %s: %w", elementName(orgID, id), err)
	}
	st.own = pb.Health_HEALTH_UNKNOWN
	for s := range 63 {
		if statuses&(1<<s) != 0 {
			st.own = worst(st.own, kpiHealth(kpipb.KpiStatus(s)))
		}
	}
	st.in.worst = pb.Health(max(byParent.Int32, byGoal.Int32, bySupporter.Int32))
	if severity(st.in.worst) == 0 {
		return st, nil
	}
	st.in.worstOnes, err = sqldb.Select(ctx, q, "roll-up drivers", func(s sqldb.Scanner) (d *pb.HealthDriver, err error) {
		var org, eid string
		var link int32
		err = s.Scan(&org, &eid, &link)
		return &pb.HealthDriver{Element: elementName(org, eid), Link: pb.LinkKind(link), Health: st.in.worst}, err
	}, `SELECT * FROM (SELECT organisation_id, id, 1 FROM elements WHERE organisation_id = ? AND parent_id = ? AND health = ?`+live+` ORDER BY id LIMIT 5) a
		UNION ALL SELECT * FROM (SELECT organisation_id, id, 2 FROM elements WHERE organisation_id = ? AND thematic_goal_id = ? AND health = ?`+live+definer+` ORDER BY id LIMIT 5) b
		UNION ALL SELECT * FROM (SELECT organisation_id, element_id, 3 FROM element_supports WHERE supported_organisation_id = ? AND supported_id = ? AND health = ?
			ORDER BY organisation_id, element_id LIMIT 5) c`,
		orgID, id, int32(st.in.worst), orgID, id, int32(st.in.worst), orgID, id, int32(st.in.worst))
	return st, err
}

// inputsOf reads the inputs of element id's roll-up (see readRollup).
func inputsOf(ctx context.Context, q sqldb.Querier, orgID, id string) (inputs, error) {
	st, err := readRollup(ctx, q, orgID, id)
	return st.in, err
}

// moveShare moves an element's share in the roll-ups above it (see share)
// from what it was to what it is: a write of the element keeps its
// parent's and thematic goal's counts, and the bound of their inputs'
// horizons (inputs_start and inputs_end, migration 0015), with it. Under
// the same parent and thematic goal that is one UPDATE of them.
func moveShare(ctx context.Context, tx *sqldb.Tx, orgID string, from, to share) error {
	if from == to {
		return nil
	}
	moved := from.parentID != to.parentID || from.goalID != to.goalID
	if moved && from.counts && from.above() {
		if err := addShare(ctx, tx, orgID, from, -1, -int64(from.progress), false); err != nil {
			return err
		}
	}
	if !to.above() {
		return nil
	}
	var count, progress int64
	if to.counts {
		count, progress = 1, int64(to.progress)
	}
	if !moved && from.counts {
		count, progress = count-1, progress-int64(from.progress)
	}
	// Every earlier write under the same elements widened their bound to
	// the element's horizon then; it needs widening only to a new one.
	widen := moved || from.start != to.start || from.end != to.end
	if count == 0 && progress == 0 && !widen {
		return nil
	}
	return addShare(ctx, tx, orgID, to, count, progress, widen)
}

// addShare adds count inputs with a progress sum of progress to the
// elements above sh — its parent and thematic goal — and, with widen,
// widens the bound of their inputs' horizons to sh's.
func addShare(ctx context.Context, tx *sqldb.Tx, orgID string, sh share, count, progress int64, widen bool) error {
	query, args := "UPDATE elements SET inputs_count = inputs_count + ?, inputs_progress = inputs_progress + ?", []any{count, progress}
	if widen {
		query += `, inputs_start = CASE WHEN inputs_start = '' OR inputs_start > ? THEN ? ELSE inputs_start END,
			inputs_end = CASE WHEN inputs_end < ? THEN ? ELSE inputs_end END`
		args = append(args, sh.start, sh.start, sh.end, sh.end)
	}
	if _, err := tx.ExecContext(ctx, query+" WHERE organisation_id = ? AND id IN (?, ?)", append(args, orgID, sh.parentID, sh.goalID)...); err != nil {
		return fmt.Errorf("update roll-up inputs: %w", err)
	}
	return nil
}

// storedShare reads the share of element id, and its status, as stored.
func storedShare(ctx context.Context, tx *sqldb.Tx, orgID, id string) (share, pb.Status, error) {
	var sh share
	var status int32
	err := tx.QueryRowContext(ctx, "SELECT parent_id, thematic_goal_id, progress, delete_time IS NULL AND status <> 5, start_date, end_date, status FROM elements WHERE organisation_id = ? AND id = ?",
		orgID, id).Scan(&sh.parentID, &sh.goalID, &sh.progress, &sh.counts, &sh.start, &sh.end, &status)
	if err != nil {
		return sh, 0, fmt.Errorf("read roll-up share: %w", err)
	}
	return sh, pb.Status(status), nil
}

// inputsHorizon reads the bound of the horizons of element id's inputs
// (see migration 0015): none of its children or defining objectives, live
// or deleted, starts before start or ends after end; "" for none.
func inputsHorizon(ctx context.Context, q sqldb.Querier, orgID, id string) (start, end string, err error) {
	err = q.QueryRowContext(ctx, "SELECT inputs_start, inputs_end FROM elements WHERE organisation_id = ? AND id = ?", orgID, id).Scan(&start, &end)
	if err != nil {
		return "", "", fmt.Errorf("read inputs' horizon: %w", err)
	}
	return start, end, nil
}

// changeKind is what an element_changes row records a change of.
type changeKind string

const (
	healthChange   changeKind = "health"
	statusChange   changeKind = "status"
	progressChange changeKind = "progress"
)

// recordChange records that r's health, status or progress changed at
// when, from one value to another.
func recordChange(ctx context.Context, tx *sqldb.Tx, r *elementRecord, kind changeKind, from, to int32, when time.Time) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO element_changes (organisation_id, element_id, change_time, kind, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)",
		r.orgID, r.id, when.UnixMicro(), string(kind), from, to); err != nil {
		return fmt.Errorf("record %s change: %w", kind, err)
	}
	return nil
}

// The conditions, literally as the partial indexes of migration 0015 say
// them, under which a query may read those indexes.
const definer = " AND thematic_goal_id <> ''" // the elements that name a thematic goal

var thematicGoal = fmt.Sprintf(" AND objective_kind = %d", pb.ObjectiveKind_OBJECTIVE_KIND_THEMATIC_GOAL) // thematic goals

// firstLive returns the first live element matching where, or nil.
func firstLive(ctx context.Context, q sqldb.Querier, where string, args ...any) (*elementRecord, error) {
	recs, err := elementRows.All(ctx, q, firstLiveWhere(where), args...)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	return recs[0], nil
}

// firstLiveWhere is the condition and order of firstLive's query.
func firstLiveWhere(where string) string {
	return "delete_time IS NULL AND " + where + " ORDER BY id LIMIT 1"
}

// overlappingWhere selects the team's other live thematic goals whose
// horizon overlaps another: through elements_team_goals, which holds the
// thematic goals only.
var overlappingWhere = "organisation_id = ? AND owner_team_id = ?" + thematicGoal + " AND id <> ? AND start_date <= ? AND end_date >= ?"

// overlappingThematicGoal returns another live thematic goal of the team
// whose horizon overlaps start..end, or nil.
func overlappingThematicGoal(ctx context.Context, q sqldb.Querier, r *elementRecord) (*elementRecord, error) {
	return firstLive(ctx, q, overlappingWhere, r.orgID, r.ownerTeamID, r.id, dates.Format(r.Msg.EndDate), dates.Format(r.Msg.StartDate))
}

// dependantsWhere selects the elements that depend on an element in the
// way which says, through the index of the element's children or of its
// defining objectives, in id order: those of the organisation (the first
// argument) naming the element (the last), outside a horizon (the second
// and third) for the dependants outside one.
func dependantsWhere(which dependants) (string, error) {
	const outside = "organisation_id = ? AND (start_date < ? OR end_date > ?) AND "
	switch which {
	case namingDefiningObjectives:
		return "organisation_id = ? AND thematic_goal_id = ?" + definer, nil
	case childrenOutside:
		return outside + "parent_id = ?", nil
	case definingObjectivesOutside:
		return outside + "thematic_goal_id = ?" + definer, nil
	}
	return "", fmt.Errorf("no query for dependants %d", which)
}

// firstDependant returns the first live element that depends on element
// id of orgID in the way which says, or nil: for the dependants outside a
// horizon, outside start..end.
func firstDependant(ctx context.Context, q sqldb.Querier, which dependants, orgID, id, start, end string) (*elementRecord, error) {
	where, err := dependantsWhere(which)
	if err != nil {
		return nil, err
	}
	if which == namingDefiningObjectives {
		return firstLive(ctx, q, where, orgID, id)
	}
	return firstLive(ctx, q, where, orgID, start, end, id)
}

// teamElements returns the live elements the team teamID owns whose
// owner_team_deleted is to become flag: those that have it the other way.
func teamElements(ctx context.Context, q sqldb.Querier, orgID, teamID string, flag bool) ([]*elementRecord, error) {
	recs, err := elementRows.All(ctx, q, "delete_time IS NULL AND organisation_id = ? AND owner_team_id = ? AND owner_team_deleted = ? ORDER BY id",
		orgID, teamID, sqldb.Bool(!flag))
	if err != nil {
		return nil, err
	}
	// Their events carry them whole, supports included.
	return recs, loadSupports(ctx, q, orgID, recs)
}

// insertElement stores a new element with what it supports.
func insertElement(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	r.Msg.HealthChangeTime = r.Msg.CreateTime // its health is as new as it is
	if err := elementRows.Insert(ctx, tx, r); err != nil {
		return err
	}
	// Its id is new (elements are deleted softly), so no supports rows
	// name it yet.
	if err := insertSupports(ctx, tx, r); err != nil {
		return err
	}
	return moveShare(ctx, tx, r.orgID, share{}, shareOf(r))
}

// writeElement stores a changed record, or ABORTED when it changed
// meanwhile.
func writeElement(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	saved, err := updateElement(ctx, tx, r)
	return resource.Saved(r.Msg.Name, saved, err)
}

// updateElement writes r over the row at revision r.revision-1, returning
// false when the row has moved on meanwhile.
func updateElement(ctx context.Context, tx *sqldb.Tx, r *elementRecord) (bool, error) {
	before, status, err := storedShare(ctx, tx, r.orgID, r.id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if ok, err := elementRows.Update(ctx, tx, r, r.Rev-1); !ok || err != nil {
		return false, err
	}
	if err := writeSupports(ctx, tx, r); err != nil {
		return false, err
	}
	if status != r.Msg.Status {
		if err := recordChange(ctx, tx, r, statusChange, int32(status), int32(r.Msg.Status), r.Msg.UpdateTime.AsTime()); err != nil {
			return false, err
		}
	}
	return true, moveShare(ctx, tx, r.orgID, before, shareOf(r))
}

// setRollup stores an element's roll-ups, and its share in those above
// it, which had before. They are computed, not the caller's content, so
// neither the revision nor the etag changes.
func setRollup(ctx context.Context, tx *sqldb.Tx, r *elementRecord, before share) error {
	_, err := tx.ExecContext(ctx, "UPDATE elements SET kpi_health = ?, health = ?, progress = ?, health_drivers = ?, health_change_time = ? WHERE organisation_id = ? AND id = ?",
		int32(r.Msg.KpiHealth), int32(r.Msg.Health), r.Msg.Progress, driversJSON(r.Msg.HealthDrivers), resource.NullMicros(r.Msg.HealthChangeTime), r.orgID, r.id)
	if err != nil {
		return fmt.Errorf("update roll-up: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE element_supports SET health = ? WHERE organisation_id = ? AND element_id = ?",
		supporterHealth(r), r.orgID, r.id); err != nil {
		return fmt.Errorf("update roll-up: %w", err)
	}
	return moveShare(ctx, tx, r.orgID, before, shareOf(r))
}

// setOwnerTeamDeleted flags the live elements a team owns.
func setOwnerTeamDeleted(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	_, err := tx.ExecContext(ctx, "UPDATE elements SET owner_team_deleted = ? WHERE organisation_id = ? AND id = ?",
		sqldb.Bool(r.Msg.OwnerTeamDeleted), r.orgID, r.id)
	if err != nil {
		return fmt.Errorf("update owner flag: %w", err)
	}
	return nil
}

// writeSupports replaces the supports rows of r with what it supports now.
func writeSupports(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM element_supports WHERE organisation_id = ? AND element_id = ?", r.orgID, r.id); err != nil {
		return fmt.Errorf("write supports: %w", err)
	}
	return insertSupports(ctx, tx, r)
}

// insertSupports writes a supports row for each element r supports.
func insertSupports(ctx context.Context, tx *sqldb.Tx, r *elementRecord) error {
	for _, s := range r.Msg.Supports {
		ids, err := resource.ParseNameOf[*pb.Element]("element.supports", s)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO element_supports (organisation_id, element_id, supported_organisation_id, supported_id, health) VALUES (?, ?, ?, ?, ?)",
			r.orgID, r.id, ids[0], ids[1], supporterHealth(r)); err != nil {
			return fmt.Errorf("write supports: %w", err)
		}
	}
	return nil
}

// upsertKPI records a KPI's status and element, unless a newer change was
// recorded already. It returns whether it applied the change and the
// element the KPI measured before ("" when none).
func upsertKPI(ctx context.Context, tx *sqldb.Tx, orgID, kpiID, elementID string, status kpipb.KpiStatus, changeTime int64) (bool, string, error) {
	var before string
	var seen int64
	err := tx.QueryRowContext(ctx, "SELECT element_id, change_time FROM element_kpis WHERE organisation_id = ? AND kpi_id = ?",
		orgID, kpiID).Scan(&before, &seen)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return false, "", fmt.Errorf("read kpi: %w", err)
	case seen > changeTime:
		return false, "", nil
	}
	if status == kpipb.KpiStatus_KPI_STATUS_UNSPECIFIED {
		_, err = tx.ExecContext(ctx, "DELETE FROM element_kpis WHERE organisation_id = ? AND kpi_id = ?", orgID, kpiID)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO element_kpis (organisation_id, kpi_id, element_id, status, change_time) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (organisation_id, kpi_id) DO UPDATE SET element_id = excluded.element_id, status = excluded.status,
			change_time = excluded.change_time`, orgID, kpiID, elementID, int32(status), changeTime)
	}
	if err != nil {
		return false, "", fmt.Errorf("write kpi: %w", err)
	}
	return true, before, nil
}

// values are the row's columns in elementColumns order.
func (r *elementRecord) values() []any {
	e := r.Msg
	return []any{r.orgID, r.id, int32(e.Level), int32(e.ObjectiveKind), e.Title, e.Description, r.ownerTeamID,
		sqldb.Bool(e.OwnerTeamDeleted), dates.Format(e.StartDate), dates.Format(e.EndDate), int32(e.Status), e.PriorityRank,
		r.manualProgress, e.Progress, int32(e.KpiHealth), int32(e.Health), r.parentID, r.thematicGoal,
		resource.Micros(e.CreateTime), resource.Micros(e.UpdateTime), resource.NullMicros(e.DeleteTime),
		sqldb.Bool(r.deletedWithOrg), r.Rev, e.UpdateActor, driversJSON(e.HealthDrivers), resource.NullMicros(e.HealthChangeTime),
		int32(e.CheckInFrequency), latestJSON(e.LatestCheckIn), latestTime(e.LatestCheckIn), r.deletedWith, r.cycleID, r.predecessorID}
}

// queryElements reads the elements a query of its own selects (a
// recursive one, which resource.Table cannot express), without supports.
func queryElements(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]*elementRecord, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query elements: %w", err)
	}
	defer rows.Close()
	var out []*elementRecord
	for rows.Next() {
		r, err := scanElement(rows)
		if err != nil {
			return nil, fmt.Errorf("read elements: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// qualified returns elementColumns prefixed with a table alias.
func qualified(alias string) string { return qualifiedColumns(alias, elementColumns) }

// qualifiedColumns is columns, a comma-separated list, each prefixed with
// alias.
func qualifiedColumns(alias, columns string) string {
	return alias + "." + strings.ReplaceAll(columns, ", ", ", "+alias+".")
}

// elementColumnsRead holds the columns of a row that are converted before
// they go into the element. One value of it, rather than a local variable
// each, escapes to the heap per row: a tree reads 100,000 rows.
type elementColumnsRead struct {
	level, kind, status, kpiH, health int32
	ownerDeleted, withOrg             int
	start, end, drivers               string
	stamps                            resource.Stamps
	healthChange, latestTime          sql.NullInt64
	frequency                         int32
	latest                            string
}

// scanElement reads a row of elementColumns.
func scanElement(s resource.Scanner) (*elementRecord, error) {
	r := &elementRecord{Stored: resource.Hold(&pb.Element{})}
	c := &elementColumnsRead{}
	err := s.Scan(&r.orgID, &r.id, &c.level, &c.kind, &r.Msg.Title, &r.Msg.Description, &r.ownerTeamID, &c.ownerDeleted,
		&c.start, &c.end, &c.status, &r.Msg.PriorityRank, &r.manualProgress, &r.Msg.Progress, &c.kpiH, &c.health, &r.parentID,
		&r.thematicGoal, &c.stamps.Create, &c.stamps.Update, &c.stamps.Delete, &c.withOrg, &r.Rev, &r.Msg.UpdateActor, &c.drivers, &c.healthChange,
		&c.frequency, &c.latest, &c.latestTime, &r.deletedWith, &r.cycleID, &r.predecessorID)
	if err != nil {
		return nil, err // the caller says what it read (and sees sql.ErrNoRows)
	}
	e := r.Msg
	e.Name = elementName(r.orgID, r.id)
	e.Level, e.ObjectiveKind, e.Status = pb.Level(c.level), pb.ObjectiveKind(c.kind), pb.Status(c.status)
	e.KpiHealth, e.Health = pb.Health(c.kpiH), pb.Health(c.health)
	e.OwnerTeam = teamName(r.orgID, r.ownerTeamID)
	e.OwnerTeamDeleted = c.ownerDeleted == 1
	e.StartDate, e.EndDate = dates.Parse(c.start), dates.Parse(c.end)
	if r.parentID != "" {
		e.Parent = elementName(r.orgID, r.parentID)
	}
	if r.thematicGoal != "" {
		e.ThematicGoal = elementName(r.orgID, r.thematicGoal)
	}
	if r.cycleID != "" {
		e.Cycle = resource.NameOf[*pb.Cycle](r.orgID, r.cycleID)
	}
	if r.predecessorID != "" {
		e.Predecessor = elementName(r.orgID, r.predecessorID)
	}
	e.CreateTime, e.UpdateTime, e.DeleteTime = c.stamps.Times()
	e.HealthChangeTime = resource.NullTime(c.healthChange)
	e.Etag = resource.Etag(r.Rev)
	r.deletedWithOrg = c.withOrg == 1
	if e.HealthDrivers, err = readDrivers(c.drivers); err != nil {
		return nil, fmt.Errorf("element %s: %w", e.Name, err)
	}
	if e.LatestCheckIn, err = readLatestCheckIn(c.latest); err != nil {
		return nil, fmt.Errorf("element %s: %w", e.Name, err)
	}
	e.CheckInFrequency = pb.CheckInFrequency(c.frequency)
	e.CheckInDueTime = checkInDue(e)
	return r, nil
}

// storedDriver is a health driver as health_drivers keeps it.
type storedDriver struct {
	Element string `json:"e"`
	Link    int32  `json:"l"`
	Health  int32  `json:"h"`
}

// readDrivers reads health_drivers ("" for none).
func readDrivers(s string) ([]*pb.HealthDriver, error) {
	if s == "" {
		return nil, nil
	}
	var stored []storedDriver
	if err := json.Unmarshal([]byte(s), &stored); err != nil {
		return nil, fmt.Errorf("health drivers: %w", err)
	}
	out := make([]*pb.HealthDriver, len(stored))
	for i, d := range stored {
		out[i] = &pb.HealthDriver{Element: d.Element, Link: pb.LinkKind(d.Link), Health: pb.Health(d.Health)}
	}
	return out, nil
}

// driversJSON is the stored form of drivers ("" for none).
func driversJSON(drivers []*pb.HealthDriver) string {
	if len(drivers) == 0 {
		return ""
	}
	stored := make([]storedDriver, len(drivers))
	for i, d := range drivers {
		stored[i] = storedDriver{d.Element, int32(d.Link), int32(d.Health)}
	}
	b, _ := json.Marshal(stored) // plain structs always marshal
	return string(b)
}

// latestJSON is an element's latest check-in as latest_check_in keeps it:
// protojson, "" for none.
func latestJSON(c *pb.CheckIn) string {
	if c == nil {
		return ""
	}
	b, _ := protojson.Marshal(c) // a message of plain fields always marshals
	return string(b)
}

// latestTime is when an element's latest check-in was posted, NULL for
// none.
func latestTime(c *pb.CheckIn) any {
	if c == nil {
		return nil
	}
	return resource.Micros(c.CreateTime)
}

package resource

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Scanner is a row to read: *sql.Row or *sql.Rows.
type Scanner = sqldb.Scanner

// Table is how a store reads and writes one resource's rows, so that the
// SELECT, the single-row read, a List's page, the INSERT and the UPDATE
// guarded by the revision are the same for every resource; the store says
// which columns, and how a row reads and writes them.
type Table[R any] struct {
	Name string
	// Columns are selected in the order Scan reads them, and written in
	// the order Values gives them.
	Columns string
	// Key is how many of the first Columns key a row: (organisation_id,
	// id) is 2. Get reads by them and Update writes by them.
	Key int
	// Derived are columns Insert and Update write after Columns and no
	// read needs, kept from the others for an index (a lower-cased email).
	Derived string
	Scan    func(Scanner) (R, error)
	// Values are a row's values in Columns order, then Derived's, for
	// Insert and Update.
	Values func(R) ([]any, error)
}

// One reads the row matching where, ErrNotFound when there is none.
func (t Table[R]) One(ctx context.Context, q sqldb.Querier, where string, args ...any) (R, error) {
	r, err := t.Scan(q.QueryRowContext(ctx, "SELECT "+t.Columns+" FROM "+t.Name+" WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		var none R
		return none, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read %s: %w", t.Name, err)
	}
	return r, nil
}

// Get reads the row whose Key columns hold key, ErrNotFound when there is
// none.
func (t Table[R]) Get(ctx context.Context, q sqldb.Querier, key ...any) (R, error) {
	return t.One(ctx, q, strings.Join(t.keyColumns(), " = ? AND ")+" = ?", key...)
}

// Insert writes a new row.
func (t Table[R]) Insert(ctx context.Context, tx *sqldb.Tx, r R) error {
	v, err := t.Values(r)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO "+t.Name+" ("+t.written()+") VALUES ("+Placeholders(len(v))+")", v...)
	if err != nil {
		return fmt.Errorf("insert %s: %w", t.Name, err)
	}
	return nil
}

// Update writes r over its row as it was at revision, reporting false when
// the row has moved on meanwhile. Every column but the key
// is written, so that a change the caller did not make (an output-only
// field, a column only storage keeps) cannot be lost.
func (t Table[R]) Update(ctx context.Context, tx *sqldb.Tx, r R, revision int64) (bool, error) {
	v, err := t.Values(r)
	if err != nil {
		return false, err
	}
	set := strings.Split(t.written(), ", ")[t.Key:]
	args := append(append(v[t.Key:len(v):len(v)], v[:t.Key]...), revision)
	saved, err := tx.ChangedOne(ctx, "UPDATE "+t.Name+" SET "+strings.Join(set, " = ?, ")+" = ? WHERE "+
		strings.Join(t.keyColumns(), " = ? AND ")+" = ? AND revision = ?", args...)
	if err != nil {
		return false, fmt.Errorf("update %s: %w", t.Name, err)
	}
	return saved, nil
}

// keyColumns are the columns that key a row.
func (t Table[R]) keyColumns() []string { return strings.SplitN(t.Columns, ", ", t.Key+1)[:t.Key] }

// written are the columns Insert and Update write.
func (t Table[R]) written() string {
	if t.Derived == "" {
		return t.Columns
	}
	return t.Columns + ", " + t.Derived
}

// All reads the rows matching where, which may end in ORDER BY and LIMIT.
func (t Table[R]) All(ctx context.Context, q sqldb.Querier, where string, args ...any) ([]R, error) {
	return sqldb.Select(ctx, q, t.Name, t.Scan, "SELECT "+t.Columns+" FROM "+t.Name+" WHERE "+where, args...)
}

// Page selects one page of a List: the rows matching scope (a condition on
// args; "" for every row), live ones only unless showDeleted, then plan's
// filter, order and limit.
func (t Table[R]) Page(ctx context.Context, q sqldb.Querier, plan *listing.Plan[R], showDeleted bool, scope string, args ...any) ([]R, error) {
	var conds []string
	if scope != "" {
		conds = append(conds, scope)
	}
	if !showDeleted {
		conds = append(conds, "delete_time IS NULL")
	}
	conds = append(conds, plan.Where)
	return t.All(ctx, q, strings.Join(conds, " AND ")+" ORDER BY "+plan.OrderBy+" LIMIT "+strconv.Itoa(plan.Limit),
		slices.Concat(args, plan.Args)...)
}

// Placeholders are n query parameters, "?, ?, ...": a row of values, or
// the list of an IN.
func Placeholders(n int) string { return "?" + strings.Repeat(", ?", n-1) }

// In is the condition that column is one of values, "column IN (?, ...)",
// and its query arguments; values must not be empty.
func In[T any](column string, values []T) (string, []any) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return column + " IN (" + Placeholders(len(values)) + ")", args
}

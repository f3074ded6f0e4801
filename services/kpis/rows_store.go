package kpis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// errNotFound is returned by reads of an id that has no row.
var errNotFound = resource.ErrNotFound

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// table is how the stores read one resource's rows, so that the SELECT,
// the single-row read and the paging are the same for KPIs and
// measurements.
type table[R any] struct {
	name string
	// columns are selected in the order scan reads them.
	columns string
	scan    func(scanner) (R, error)
}

// one reads the row matching where, errNotFound when there is none.
func (t table[R]) one(ctx context.Context, q sqldb.Querier, where string, args ...any) (R, error) {
	r, err := t.scan(q.QueryRowContext(ctx, "SELECT "+t.columns+" FROM "+t.name+" WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNotFound
	}
	return r, err
}

// all reads the rows matching where, which may end in ORDER BY and LIMIT.
func (t table[R]) all(ctx context.Context, q sqldb.Querier, where string, args ...any) ([]R, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+t.columns+" FROM "+t.name+" WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", t.name, err)
	}
	defer rows.Close()
	var out []R
	for rows.Next() {
		r, err := t.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query %s: %w", t.name, err)
	}
	return out, nil
}

// page selects one page of a List: the rows matching scope (a condition on
// args), live ones only unless showDeleted, then plan's filter, order and
// limit.
func (t table[R]) page(ctx context.Context, q sqldb.Querier, plan *listing.Plan[R], showDeleted bool, scope string, args ...any) ([]R, error) {
	conds := []string{scope}
	if !showDeleted {
		conds = append(conds, "delete_time IS NULL")
	}
	conds = append(conds, plan.Where)
	return t.all(ctx, q, strings.Join(conds, " AND ")+" ORDER BY "+plan.OrderBy+" LIMIT "+strconv.Itoa(plan.Limit),
		slices.Concat(args, plan.Args)...)
}

// savedOne reports whether a revision-guarded UPDATE changed its row: false
// means the row moved on since it was read.
func savedOne(res sql.Result, err error, what string) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("update %s: %w", what, err)
	}
	return n == 1, nil
}

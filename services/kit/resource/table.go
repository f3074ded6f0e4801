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
type Scanner interface{ Scan(dest ...any) error }

// Table is how a store reads one resource's rows, so that the SELECT, the
// single-row read and a List's page are the same for every resource.
type Table[R any] struct {
	Name string
	// Columns are selected in the order Scan reads them.
	Columns string
	Scan    func(Scanner) (R, error)
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

// All reads the rows matching where, which may end in ORDER BY and LIMIT.
func (t Table[R]) All(ctx context.Context, q sqldb.Querier, where string, args ...any) ([]R, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+t.Columns+" FROM "+t.Name+" WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", t.Name, err)
	}
	defer rows.Close()
	var out []R
	for rows.Next() {
		r, err := t.Scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.Name, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query %s: %w", t.Name, err)
	}
	return out, nil
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

// SavedOne reports whether an UPDATE guarded by the revision it read
// changed its row (res and err are what ExecContext returned); false means
// the row has moved on meanwhile.
func SavedOne(res sql.Result, err error, what string) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("update %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("update %s: %w", what, err)
	}
	return n == 1, nil
}

package organisations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// errNotFound is returned by reads of a row that does not exist.
var errNotFound = resource.ErrNotFound

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// table is how the stores read one resource's rows; it keeps the SELECT,
// the paging and the single-row read the same for every resource.
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

// page selects one page of a List: the rows matching scope (a condition on
// args, or "" for every row), live ones only unless showDeleted, then plan's
// filter, order and limit.
func (t table[R]) page(ctx context.Context, q sqldb.Querier, plan *listing.Plan[R], showDeleted bool, scope string, args ...any) ([]R, error) {
	var conds []string
	if scope != "" {
		conds = append(conds, scope)
	}
	if !showDeleted {
		conds = append(conds, "delete_time IS NULL")
	}
	conds = append(conds, plan.Where)
	rows, err := q.QueryContext(ctx, "SELECT "+t.columns+" FROM "+t.name+" WHERE "+strings.Join(conds, " AND ")+
		" ORDER BY "+plan.OrderBy+" LIMIT "+strconv.Itoa(plan.Limit), slices.Concat(args, plan.Args)...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.name, err)
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
		return nil, fmt.Errorf("list %s: %w", t.name, err)
	}
	return out, nil
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

// forShare is the clause that keeps a row read in a transaction from
// changing until the transaction ends. SQLite runs one write transaction at
// a time and needs none.
func forShare(q sqldb.Querier) string {
	if q.Dialect() == sqldb.Postgres {
		return " FOR SHARE"
	}
	return ""
}

// timed is a resource with the times every resource lists by.
type timed interface {
	GetCreateTime() *timestamppb.Timestamp
	GetUpdateTime() *timestamppb.Timestamp
}

// timeFields are the create_time and update_time fields of a List schema,
// stored in the columns of the same names as microseconds.
func timeFields[R any](msg func(R) timed) []listing.Field[R] {
	return []listing.Field[R]{
		{Name: "create_time", Column: "create_time", Kind: listing.Int, Sort: true,
			Key: func(r R) any { return resource.Micros(msg(r).GetCreateTime()) }},
		{Name: "update_time", Column: "update_time", Kind: listing.Int, Sort: true,
			Key: func(r R) any { return resource.Micros(msg(r).GetUpdateTime()) }},
	}
}

package teams

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// scanner is a row to read: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryOne reads the one row a query returns, resource.ErrNotFound when it
// returns none.
func queryOne[R any](row *sql.Row, scan func(scanner) (R, error)) (R, error) {
	r, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		var none R
		return none, resource.ErrNotFound
	}
	return r, err
}

// queryAll reads every row a query returns; what names the rows in errors.
func queryAll[R any](ctx context.Context, q sqldb.Querier, what string, scan func(scanner) (R, error), query string, args ...any) ([]R, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", what, err)
	}
	defer rows.Close()
	var out []R
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query %s: %w", what, err)
	}
	return out, nil
}

// savedOne reports whether an UPDATE guarded by the revision it read
// changed its row; false means the row has moved on meanwhile.
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

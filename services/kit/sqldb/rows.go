package sqldb

import (
	"context"
	"fmt"
)

// Scanner reads the columns of one row.
type Scanner interface{ Scan(dest ...any) error }

// Select runs query and reads each row it returns with scan; its errors
// say what (e.g. "latest measurements").
func Select[T any](ctx context.Context, q Querier, what string, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query %s: %w", what, err)
	}
	return out, nil
}

package organisations

import (
	"context"
	"fmt"
	"slices"

	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// writeOwners makes the organisation_owners rows of organisation id those
// of owners (names), in the transaction that writes the organisation.
func writeOwners(ctx context.Context, tx *sqldb.Tx, id string, owners []string) error {
	ids, err := ownerIDs(id, owners)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM organisation_owners WHERE organisation_id = ?", id); err != nil {
		return fmt.Errorf("write owners of %s: %w", id, err)
	}
	slices.Sort(ids)
	for _, owner := range slices.Compact(ids) {
		if _, err := tx.ExecContext(ctx, "INSERT INTO organisation_owners (organisation_id, owner_id) VALUES (?, ?)", id, owner); err != nil {
			return fmt.Errorf("write owners of %s: %w", id, err)
		}
	}
	return nil
}

// ownedBy returns the live organisations that any of owners (ids) owns,
// each mapped to the first of its owners among them.
func ownedBy(ctx context.Context, q sqldb.Querier, owners []string) (map[string]string, error) {
	owned := map[string]string{}
	if len(owners) == 0 {
		return owned, nil
	}
	in, args := resource.In("w.owner_id", owners)
	rows, err := q.QueryContext(ctx, `SELECT w.organisation_id, w.owner_id FROM organisation_owners w
		JOIN organisations o ON o.id = w.organisation_id
		WHERE o.delete_time IS NULL AND `+in+`
		ORDER BY w.organisation_id, w.owner_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("owned organisations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, owner string
		if err := rows.Scan(&id, &owner); err != nil {
			return nil, fmt.Errorf("owned organisations: %w", err)
		}
		if _, ok := owned[id]; !ok {
			owned[id] = owner
		}
	}
	return owned, rows.Err()
}

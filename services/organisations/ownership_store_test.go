package organisations

import (
	"context"
	"reflect"
	"testing"

	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
)

// TestOwnersBackfill: a database from before organisation_owners gets the
// rows of the owners its organisations already list.
func TestOwnersBackfill(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, upgrade := sqldbtest.Upgrade(t, dsn, serviceName, migrationFiles, "0005")
		for _, o := range []struct{ id, owners string }{
			{"council-a", `[]`}, {"council-b", `[]`},
			{"company", `["organisations/council-a","organisations/council-b"]`},
		} {
			if _, err := db.ExecContext(ctx, `INSERT INTO organisations (id, display_name, description, kind, owners, website,
				create_time, update_time, revision, update_actor) VALUES (?, ?, '', 1, ?, '', 1, 1, 1, 'test')`, o.id, o.id, o.owners); err != nil {
				t.Fatal(err)
			}
		}
		upgrade()
		owned, err := ownedBy(ctx, db, []string{"council-b"})
		if err != nil || !reflect.DeepEqual(owned, map[string]string{"company": "council-b"}) {
			t.Fatalf("owned by council-b after the backfill: %v, %v", owned, err)
		}
	})
}
